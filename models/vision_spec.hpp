#pragma once
// Image models: a vision transformer (ViT: a transformer encoder over image patches), a
// convolutional network (ResNet, VGG) or a multilayer perceptron on the flattened image, the
// last two described block by block. Their blocks differ in shape, so each is a "layer" of its
// own (model_spec.hpp keeps the transformer's uniform layers); is_cnn() means "built of blocks".
//
// Convolutions run as cuDNN's implicit GEMM: forward is a GEMM of M = batch·H_out·W_out,
// N = C_out, K = C_in·R·S, and the data and weight gradients are GEMMs of the same FLOPs with
// the roles swapped (NVIDIA Deep Learning Performance Guide, "Convolutional Layers User's
// Guide", §"Convolution Algorithms": the implicit-GEMM dimension mapping table).
#include <cstdint>
#include <string>
#include <vector>

namespace trainsim {

// One convolution (square kernel, square feature maps; padding is implied by the output size)
// with what follows it. A fully connected layer is a convolution whose kernel covers its whole
// input (VGG's fc6 on a 7x7x512 map) or a 1x1 convolution on a 1x1 map.
struct ConvUnit {
  std::string name;
  std::int64_t in_channels = 0, out_channels = 0;
  std::int64_t kernel = 1, in_size = 1, out_size = 1;
  bool bias = false;        // VGG and the fully connected layers have biases; ResNet's convs don't
  bool batch_norm = false;  // a BatchNorm after the convolution (2 parameters per channel)
  bool relu = true;         // a ReLU after it (ResNet's last conv of a block: after the add)
  bool dropout = false;     // VGG's classifier
  double params() const;
  double macs_per_image() const;  // multiply-accumulates of the forward convolution
};

// A trainsim layer of a CNN: its convolutions in order, the residual add (ResNet's bottleneck:
// the shortcut, projected by `shortcut` when present, added before the last ReLU) and the
// max-pool that may end it.
struct CnnBlock {
  std::string name;
  std::vector<ConvUnit> convs;
  bool residual = false;
  std::vector<ConvUnit> shortcut;  // the projection shortcut (1x1 conv + BN), or none
  std::int64_t pool_out_size = 0;  // max-pool after the block down to this size; 0 = none
  double params() const;
  double macs_per_image() const;
  // The block's output per image: channels × size².
  double output_elements() const;
};

struct VisionSpec {
  std::int64_t image_size = 224;
  std::int64_t channels = 3;
  std::int64_t classes = 1000;
  std::int64_t patch_size = 0;   // ViT: image patches of this side are the tokens
  std::string cnn_family;        // "resnet" | "vgg" | "mlp"; empty for a ViT
  std::vector<CnnBlock> blocks;  // a CNN's layers, in order; empty for a ViT

  bool is_cnn() const { return !blocks.empty(); }
  std::int64_t patches() const {
    return patch_size > 0 ? (image_size / patch_size) * (image_size / patch_size) : 0;
  }
  // Tokens one image becomes: the patches plus the class token for a ViT; one for a CNN (its
  // throughput in tokens/s is images/s).
  std::int64_t tokens_per_image() const { return patch_size > 0 ? patches() + 1 : 1; }
};

// ResNet with bottleneck blocks (He et al. 2016, arXiv:1512.03385, Table 1), as torchvision
// builds it (the stride on the 3x3 convolution, "ResNet v1.5"): blocks_per_stage {3, 4, 6, 3} is
// ResNet-50. The stem (7x7 conv + max-pool) is the first block; the global average pool and the
// fully connected classifier are the head.
VisionSpec resnet_bottleneck(std::vector<std::int64_t> blocks_per_stage, std::int64_t image_size,
                             std::int64_t channels, std::int64_t classes);

// VGG (Simonyan & Zisserman 2015, arXiv:1409.1556, Table 1): 3x3 convolutions with biases and
// ReLU, a 2x2 max-pool after each stage; convs_per_stage {2, 2, 3, 3, 3} is VGG-16 (config D).
// Every convolution is a block, and so are fc6 and fc7 (with dropout); fc8 is the head.
VisionSpec vgg(std::vector<std::int64_t> convs_per_stage, std::int64_t image_size,
               std::int64_t channels, std::int64_t classes);

// A multilayer perceptron on the flattened image (the classic MNIST networks, and the two-GPU
// examples of PyTorch's model-parallel tutorials): each hidden layer, a Linear with bias and a
// ReLU, is a block (the first a "convolution" whose kernel covers the whole image); the output
// Linear over the classes is the head.
VisionSpec mlp(std::vector<std::int64_t> hidden_widths, std::int64_t image_size,
               std::int64_t channels, std::int64_t classes);

}  // namespace trainsim
