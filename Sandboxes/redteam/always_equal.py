# expect: killed_by=null status=passed tamper=constant:__eq__
# about: an always-equal object passes an == assert in-process; the runner flags it (compare outputs outside for real protection)
    class AlwaysEqual:
        def __eq__(self, other):
            return True
    return AlwaysEqual()
