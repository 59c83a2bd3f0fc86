# nbgrader's configuration for this course: tools/nbgrader_course.py copies it into the course directory it
# makes (course/ by default), where nbgrader reads it. An instructor who runs nbgrader by hand in that
# directory gets the same settings.
c = get_config()  # noqa: F821 (nbgrader's config loader defines it)

c.CourseDirectory.course_id = "npi-course"
# One assignment per lesson: course/source/NN_slug/NN_slug.ipynb. The lessons import npi_lib, which must be
# installed in the kernel that grades them (`make venv` does it).

# A lesson runs in under 3 minutes, but some cells train for a while: nbgrader's default of 30 s per cell
# would cut them off.
c.Execute.timeout = 600

# nbgrader's own stub, written out so that tools/make_student.py (which does the same without nbgrader)
# and this file visibly agree.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
