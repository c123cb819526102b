// ProblemSets
