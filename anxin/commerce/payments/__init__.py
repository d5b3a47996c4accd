"""Payment methods: the built-in wallet, and provider gateways (sandbox card, Stripe, later
Alipay and WeChat Pay) behind one interface."""
