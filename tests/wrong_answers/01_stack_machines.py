GRADE_ID = "ex4_answer"
WHY = "forgets that 0> consumes n: the flag test needs a DUP before it, so the stack runs empty"
SOURCE = '''def sumto_source():
    return ": SUMTO ( n -- sum )  0> IF DUP 1- RECURSE + THEN ;"
'''
POINTS = 0
