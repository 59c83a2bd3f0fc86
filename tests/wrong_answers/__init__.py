"""One realistic wrong answer per lesson, which tests/test_nbgrader.py submits to nbgrader (with every other
exercise answered by the reference solution) to prove partial marks: each module NN_slug.py says which
solution cell it replaces (GRADE_ID), with what source (SOURCE), why a student would write it (WHY), and how
many points nbgrader must give that exercise for it (POINTS)."""
