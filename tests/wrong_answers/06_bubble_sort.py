GRADE_ID = "ex1_answer"
WHY = ("reads 'both pointers on the start token' as 'both pointers read the same' (q1 == q2): right on rows "
       "without two equal neighbours, as in the visible cases, but the walk back stops early beside a repeated value")
SOURCE = '''def LSHIFT(t, env):
    q1, q2, _ = env.observe()
    if q1 == q2:
        return t.act("NOP", ret=True)
    t.act("PTR", bubblesort.I1, bubblesort.LEFT)
    t.act("PTR", bubblesort.I2, bubblesort.LEFT)
    t.call(LSHIFT, ret=True)
'''
POINTS = 1.5
