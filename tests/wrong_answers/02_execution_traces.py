GRADE_ID = "ex2_answer"
WHY = ("counts the digits of the sum as floor(log10(a + b)) + 1, the textbook formula: right on the visible cases, "
       "but a float cannot hold an 18-digit sum such as 999999999999999999 exactly, rounds it up to 1e18, and the "
       "count comes out one too many")
SOURCE = '''def add1_calls(a, b):
    import math

    if a + b == 0:
        return 1  # 0 + 0 still writes one digit
    return math.floor(math.log10(a + b)) + 1  # the number of digits of the sum
'''
POINTS = 1
