GRADE_ID = "ex5_answer"
WHY = ("keeps the problem's entries that no training problem shows, in a list, without making them distinct: right "
       "whenever each new entry occurs in one column only, as in every visible case, but 7777 + 5555 meets "
       "(7, 5, carry 1) in three columns, and the entry is listed three times")
SOURCE = '''def unseen_columns(problem, training_problems):
    seen = set()
    for a, b in training_problems:
        seen.update(addition.columns(a, b))
    return sorted(column for column in addition.columns(*problem) if column not in seen)
'''
POINTS = 1
