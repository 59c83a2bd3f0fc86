GRADE_ID = "ex3_answer"
WHY = ("pops the returning frame, then calls itself while the caller was waiting on a tail call: right on the short "
       "stacks of the visible check, but Python's recursion limit (about 1,000 calls) stops it on the stack of a "
       "10,000-digit sum, the very depth the lesson keeps an explicit list for")
SOURCE = '''@dataclass
class Pending:
    """A frame waiting on the call stack (what the interpreter keeps for each call)."""

    prog: int = field(repr=False)
    args: tuple = field(repr=False)
    state: object = field(default=None, repr=False)  # the LSTM's (h, c); None = a fresh frame, h = 0
    tail: bool = False  # the call step this frame is waiting on carried the return flag


def finish_frame(stack):
    stack.pop()  # the frame that returned
    if stack and stack[-1].tail:  # its caller has nothing left to do: it returns too
        finish_frame(stack)
'''
POINTS = 1
