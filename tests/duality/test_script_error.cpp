// The one line awd makes of a TorchScript interpreter error
// (duality/script_error.h): the cause as Python reports it, not the tracebacks.
#include <gtest/gtest.h>

#include <string>

#include "awd/duality/script_error.h"

using awd::duality::script_error_cause;

namespace {

// As LibTorch 1.13 prints it for nn.Hardswish(inplace=True) right after the cut
// (shortened), with an unindented `def` line of the original code inside.
const char* kInPlace = R"(The following operation failed in the TorchScript interpreter.
Traceback of TorchScript, serialized code (most recent call last):
  File "code/__torch__/awd_export/___torch_mangle_3.py", line 27, in awd_head
    act1 = (act).forward(z, )
            ~~~~~~~~~~~~ <--- HERE
RuntimeError: not the cause: the serialized traceback's own quote

Traceback of TorchScript, original code (most recent call last):
  File "<eval_with_key>.8", line 5, in awd_head
def awd_head(self, z):
    act = self.act(z);  z = None
          ~~~~~~~~ <--- HERE
  File "/usr/lib/python3/dist-packages/torch/nn/functional.py", line 2101, in hardswish
        return torch._C._nn.hardswish_(input)
               ~~~~~~~~~~~~~~~~~~~~~~~ <--- HERE
RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
)";

// A Python exception raised in scripted code: a multi-line message, the class with its module.
const char* kRaised = R"(The following operation failed in the TorchScript interpreter.
Traceback of TorchScript, serialized code (most recent call last):
  File "code/__torch__.py", line 24, in awd_head
      ops.prim.RaiseException(_3, "builtins.ValueError")
      ~~~~~~~~~~~~~~~~~~~~~~~ <--- HERE

Traceback of TorchScript, original code (most recent call last):
  File "fixtures/import_models.py", line 97, in awd_head
            raise ValueError("the head refuses every batch\nsecond line of the cause")
            ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ <--- HERE
builtins.ValueError: the head refuses every batch
second line of the cause
)";

}  // namespace

TEST(ScriptError, TheCauseAfterTheLastTraceback) {
  EXPECT_EQ(script_error_cause(kInPlace),
            "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.");
}

TEST(ScriptError, APythonExceptionKeepsItsClassAndFirstLine) {
  EXPECT_EQ(script_error_cause(kRaised), "ValueError: the head refuses every batch");
}

TEST(ScriptError, WithoutTracebacksTheFirstLineThatSaysSomething) {
  EXPECT_EQ(script_error_cause("Target 7 is out of bounds.\nException raised from nll_loss at ..."),
            "Target 7 is out of bounds.");
  EXPECT_EQ(script_error_cause("The following operation failed in the TorchScript interpreter.\n\nshape mismatch"),
            "shape mismatch");
}

TEST(ScriptError, TracebacksWithoutAnExceptionLineGiveTheLastLine) {
  EXPECT_EQ(script_error_cause("The following operation failed in the TorchScript interpreter.\n"
                               "Traceback of TorchScript (most recent call last):\n  File \"x\", line 1\n"
                               "something odd happened\n\n"),
            "something odd happened");
}
