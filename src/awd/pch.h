// Precompiled header: the LibTorch front end is parsed once per target.
#pragma once
#include <torch/torch.h>
