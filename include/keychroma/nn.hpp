#pragma once
// Umbrella header of keychroma's neural-network framework: layers, compile-time stacks, the
// network, losses, optimizers, the CPU backend, model files and the trainer.

#include "keychroma/nn/activations.hpp"
#include "keychroma/nn/backend.hpp"
#include "keychroma/nn/backend/cpu.hpp"
#include "keychroma/nn/batch_norm.hpp"
#include "keychroma/nn/checkpoint.hpp"
#include "keychroma/nn/conv.hpp"
#include "keychroma/nn/float16.hpp"
#include "keychroma/nn/init.hpp"
#include "keychroma/nn/input.hpp"
#include "keychroma/nn/layer.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/network.hpp"
#include "keychroma/nn/optimizer.hpp"
#include "keychroma/nn/paper_stack.hpp"
#include "keychroma/nn/schedule.hpp"
#include "keychroma/nn/sequential.hpp"
#include "keychroma/nn/serialize.hpp"
#include "keychroma/nn/tensor.hpp"
#include "keychroma/nn/trainer.hpp"
#include "keychroma/nn/upsample.hpp"
