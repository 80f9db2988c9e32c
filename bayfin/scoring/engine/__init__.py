"""Pure scoring code (no Django): the SBA 7(a) training data, the grade master scale, scorecard points."""
