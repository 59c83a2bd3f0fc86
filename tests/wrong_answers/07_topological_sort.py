GRADE_ID = "ex3_answer"
WHY = ("takes the union of the traces' pairs with set.union(*...), which needs at least one set: right for every "
       "non-empty list of graphs, as in the visible cases, but it raises on an empty training set, where every "
       "pair is missing")
SOURCE = '''def missing_pairs(graphs, formulation="recursive"):
    traces = [toposort.reference(g, formulation, record_states=False) for g in graphs]
    seen = set.union(*(toposort.frame_inputs(t) for t in traces))
    return set(toposort.all_frame_inputs(formulation)) - seen
'''
POINTS = 1
