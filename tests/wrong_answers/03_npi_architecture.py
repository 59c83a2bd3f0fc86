GRADE_ID = "ex5_answer"
WHY = ("writes the number of observation fields as 4, what addition's pad shows (in1, in2, carry, out), instead of "
       "reading it from the task: right for every addition batch of the visible check, but bubble sort and "
       "topological sort observe 3 fields, and their observations do not fit")
SOURCE = '''def pad_frames(frame_list, task):
    U, T = len(frame_list), max(len(f.steps) for f in frame_list)
    obs = torch.zeros(U, T, 4, dtype=torch.long)  # in1, in2, carry, out
    prog = torch.zeros(U, T, dtype=torch.long)
    mask = torch.zeros(U, T, dtype=torch.bool)
    for i, frame in enumerate(frame_list):
        for t, step in enumerate(frame.steps):
            obs[i, t] = torch.tensor(step.obs)
            prog[i, t] = task.program_id(frame.program)
            mask[i, t] = True
    return obs, prog, mask
'''
POINTS = 1.5
