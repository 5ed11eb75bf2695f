// data/transforms (SPEC §9): the seeded CIFAR augmentation, crop of the padding and flip.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "awd/data/transforms.h"

using namespace awd;

TEST(Transforms, AugmentationIsASeededCropOfThePaddingAndAFlip) {
  torch::manual_seed(2);
  const int64_t N = 200, C = 3, H = 6, W = 5;
  const auto images = torch::rand({N, C, H, W});
  const std::vector<double> fill = {-1.0, -2.0, -3.0};
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(7), g2 = at::make_generator<at::CPUGeneratorImpl>(7);
  auto g3 = at::make_generator<at::CPUGeneratorImpl>(8);
  const auto a = data::augmented(images, g1, fill);
  EXPECT_TRUE(a.equal(data::augmented(images, g2, fill)));
  EXPECT_FALSE(a.equal(data::augmented(images, g3, fill)));
  // Every output is one of the 9 x 9 crops of the padded image, flipped or not.
  auto padded = torch::tensor(fill).reshape({1, C, 1, 1}).repeat({N, 1, H + 8, W + 8});
  padded.slice(2, 4, 4 + H).slice(3, 4, 4 + W).copy_(images);
  int64_t flipped = 0, shifted = 0;
  for (int64_t i = 0; i < N; ++i) {
    bool found = false;
    for (int64_t dy = 0; dy <= 8 && !found; ++dy)
      for (int64_t dx = 0; dx <= 8 && !found; ++dx)
        for (bool flip : {false, true}) {
          auto crop = padded[i].slice(1, dy, dy + H).slice(2, dx, dx + W);
          if (flip) crop = crop.flip({2});
          if (crop.equal(a[i])) {
            found = true;
            flipped += flip;
            shifted += dy != 4 || dx != 4;
            break;
          }
        }
    EXPECT_TRUE(found) << "image " << i;
  }
  EXPECT_GT(flipped, N / 4);  // probability 1/2 each
  EXPECT_LT(flipped, 3 * N / 4);
  EXPECT_GT(shifted, N / 2);  // 80 of 81 offsets shift
  // Normalised inputs pad with the value of a black pixel.
  EXPECT_EQ(data::black_pixel({0.5, 0.25}, {0.5, 0.25}, 2), (std::vector<double>{-1.0, -1.0}));
  EXPECT_EQ(data::black_pixel({}, {}, 3), (std::vector<double>{0, 0, 0}));
}
