"""Assessments: validated questionnaires as data with one pure scoring function, responses with
sealed answers, the mood diary, sharing with the client's counsellor, assignments and referrals."""
