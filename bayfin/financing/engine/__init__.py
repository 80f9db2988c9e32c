"""Pure financing calculations (no Django): repayment schedules, payment allocation, days past due."""
