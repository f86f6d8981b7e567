#include "models/vision_spec.hpp"

#include <utility>

#include <fmt/format.h>

namespace trainsim {

double ConvUnit::params() const {
  const double weights = static_cast<double>(in_channels) * out_channels * kernel * kernel;
  return weights + (bias ? out_channels : 0) + (batch_norm ? 2.0 * out_channels : 0.0);
}

double ConvUnit::macs_per_image() const {
  return static_cast<double>(out_size) * out_size * out_channels * in_channels * kernel * kernel;
}

double CnnBlock::params() const {
  double sum = 0;
  for (const ConvUnit& c : convs) sum += c.params();
  for (const ConvUnit& c : shortcut) sum += c.params();
  return sum;
}

double CnnBlock::macs_per_image() const {
  double sum = 0;
  for (const ConvUnit& c : convs) sum += c.macs_per_image();
  for (const ConvUnit& c : shortcut) sum += c.macs_per_image();
  return sum;
}

double CnnBlock::output_elements() const {
  const ConvUnit& last = convs.back();
  const double size = static_cast<double>(pool_out_size > 0 ? pool_out_size : last.out_size);
  return static_cast<double>(last.out_channels) * size * size;
}

namespace {

// A network of blocks over images of this size, before its blocks.
VisionSpec block_network(std::string family, std::int64_t image_size, std::int64_t channels,
                         std::int64_t classes) {
  VisionSpec v;
  v.image_size = image_size;
  v.channels = channels;
  v.classes = classes;
  v.cnn_family = std::move(family);
  return v;
}

}  // namespace

VisionSpec resnet_bottleneck(std::vector<std::int64_t> blocks_per_stage, std::int64_t image_size,
                             std::int64_t channels, std::int64_t classes) {
  VisionSpec v = block_network("resnet", image_size, channels, classes);
  constexpr std::int64_t kStemWidth = 64, kExpansion = 4;
  std::int64_t size = image_size / 2;  // the stem's 7x7 convolution has stride 2
  CnnBlock stem;
  stem.name = "stem";
  stem.convs.push_back({"conv1", channels, kStemWidth, 7, image_size, size, false, true, true});
  size /= 2;  // 3x3 max-pool, stride 2
  stem.pool_out_size = size;
  v.blocks.push_back(std::move(stem));
  std::int64_t in = kStemWidth;
  for (std::size_t stage = 0; stage < blocks_per_stage.size(); ++stage) {
    const std::int64_t width = kStemWidth << stage;
    for (std::int64_t b = 0; b < blocks_per_stage[stage]; ++b) {
      const std::int64_t stride = stage > 0 && b == 0 ? 2 : 1;
      const std::int64_t out_size = size / stride;
      CnnBlock block;
      block.name = fmt::format("layer{}.{}", stage + 1, b);
      block.residual = true;
      block.convs.push_back({"conv1", in, width, 1, size, size, false, true, true});
      block.convs.push_back({"conv2", width, width, 3, size, out_size, false, true, true});
      block.convs.push_back(
          {"conv3", width, width * kExpansion, 1, out_size, out_size, false, true, false});
      if (b == 0)
        block.shortcut.push_back(
            {"downsample", in, width * kExpansion, 1, size, out_size, false, true, false});
      v.blocks.push_back(std::move(block));
      in = width * kExpansion;
      size = out_size;
    }
  }
  return v;
}

VisionSpec vgg(std::vector<std::int64_t> convs_per_stage, std::int64_t image_size,
               std::int64_t channels, std::int64_t classes) {
  VisionSpec v = block_network("vgg", image_size, channels, classes);
  constexpr std::int64_t kMaxWidth = 512, kClassifierWidth = 4096;
  std::int64_t size = image_size, in = channels, width = 64;
  for (std::size_t stage = 0; stage < convs_per_stage.size(); ++stage) {
    for (std::int64_t c = 0; c < convs_per_stage[stage]; ++c) {
      CnnBlock block;
      block.name = fmt::format("conv{}_{}", stage + 1, c + 1);
      block.convs.push_back({"conv", in, width, 3, size, size, true, false, true});
      if (c + 1 == convs_per_stage[stage]) block.pool_out_size = size / 2;
      v.blocks.push_back(std::move(block));
      in = width;
    }
    size /= 2;
    width = std::min(2 * width, kMaxWidth);
  }
  CnnBlock fc6;
  fc6.name = "fc6";
  fc6.convs.push_back({"fc", in, kClassifierWidth, size, size, 1, true, false, true, true});
  v.blocks.push_back(std::move(fc6));
  CnnBlock fc7;
  fc7.name = "fc7";
  fc7.convs.push_back({"fc", kClassifierWidth, kClassifierWidth, 1, 1, 1, true, false, true, true});
  v.blocks.push_back(std::move(fc7));
  return v;
}

VisionSpec mlp(std::vector<std::int64_t> hidden_widths, std::int64_t image_size,
               std::int64_t channels, std::int64_t classes) {
  VisionSpec v = block_network("mlp", image_size, channels, classes);
  std::int64_t in = channels, kernel = image_size;
  for (std::size_t i = 0; i < hidden_widths.size(); ++i) {
    CnnBlock block;
    block.name = fmt::format("fc{}", i + 1);
    block.convs.push_back({"fc", in, hidden_widths[i], kernel, kernel, 1, true, false, true});
    v.blocks.push_back(std::move(block));
    in = hidden_widths[i];
    kernel = 1;
  }
  return v;
}

}  // namespace trainsim
