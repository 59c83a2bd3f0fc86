GRADE_ID = "ex4_answer"
WHY = ("remembers only the last decision made at each observation (a dict observation -> decision): right on "
       "the short recursive frames of the visible check, but in a long loop frame a step whose decision differs "
       "from an earlier one at its observation, yet equals the latest, is missed")
SOURCE = '''def state_only_steps(frame):
    decided = {}  # observation -> the decision made at it
    steps = []
    for t, s in enumerate(frame.steps):
        decision = (s.next_program, tuple(s.next_args), s.ret)
        if s.obs in decided and decided[s.obs] != decision:
            steps.append(t)
        decided[s.obs] = decision
    return steps
'''
POINTS = 1.5
