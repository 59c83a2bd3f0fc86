GRADE_ID = "ex2_answer"
WHY = ("detects the carry as one detects an overflow, from the output digit: the column carried if its output is "
       "smaller than one of its addends. Right for every column of the visible check, wrong for 9 + 9 with a carry "
       "in, whose output 9 is smaller than neither, so the left column's carry cell comes out BLANK instead of 1")
SOURCE = '''def lshift_sequences(column):
    x, y, carry, out = column
    carried = out < max(0 if c == B else c for c in (x, y))  # a sum that wrapped round is smaller
    return {(column, (lx, y, carry, out), (lx, ly, carry, out), (lx, ly, 1 if carried else B, out))
            for lx in left_of(x, column) for ly in left_of(y, column)}
'''
POINTS = 1.5
