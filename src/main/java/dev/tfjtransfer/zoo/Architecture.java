package dev.tfjtransfer.zoo;

import dev.tfjtransfer.nn.Layer;
import java.util.function.Function;

/**
 * One row of the zoo, holding what torchvision's builder and its weight enum hold together: how to
 * build the module tree with a given head, which module is the classifier, the eval transforms,
 * the parameter count with torchvision's 1000-class head, and where the ImageNet weights come from.
 *
 * @param name torchvision's builder name ({@code resnet18}, {@code efficientnet_b0})
 * @param family the file that builds it ({@code resnet}, {@code efficientnet})
 * @param builder the root layer for a head
 * @param headPrefix the module a head replacement creates, for freezing "everything but the head"
 * @param headInput the tensor the head takes: what cached and exported features are
 * @param eval the eval transforms of the published weights
 * @param parameters the parameter count with the 1000-class ImageNet head (weights, not buffers)
 * @param weightsUrl the published ImageNet weights (torchvision's IMAGENET1K_V1 where it has several)
 * @param weightsSha256Prefix the hash prefix in the weight file's name (torchvision's check_hash)
 */
public record Architecture(String name, String family, Function<HeadSpec, Layer> builder,
    Function<HeadSpec, String> headPrefix, HeadInput headInput, EvalPreset eval, long parameters, String weightsUrl,
    String weightsSha256Prefix) {}
