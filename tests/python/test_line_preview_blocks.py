"""A long 1-D line's preview blocks: aligned for speed, the same in a DTensor's preview, each cell exact."""

import torch

import torchinspect
from torchinspect.distributed.preview import Grid
from torchinspect.tensor.preview import PREVIEW_LENGTH, line_block


def floats(preview: dict, key: str) -> torch.Tensor:
    return torch.frombuffer(bytearray(preview[key]), dtype=torch.float32)


def test_a_long_line_has_blocks_of_a_multiple_of_32_and_at_least_four_fifths_of_the_cells():
    for length in (128 * PREVIEW_LENGTH - 1, 128 * PREVIEW_LENGTH + 1, 10**6, 10**7 + 3, 10**9):
        block = line_block(length)
        assert block % 32 == 0 and block >= length / PREVIEW_LENGTH
        assert -(-length // block) >= 0.8 * PREVIEW_LENGTH
    assert [line_block(length) for length in (4096, 5000, 100_000)] == [1, 2, 25]


def test_an_aligned_line_preview_holds_each_block_s_mean_and_extremes():
    t = torch.randn(1_000_003, generator=torch.Generator().manual_seed(0))
    t[777] = float("nan")
    preview = torchinspect.snapshot(t)["preview"]
    block = preview["block"][0]
    assert block == 256 and preview["shape"] == [-(-t.numel() // block)]
    whole = t.numel() // block * block
    rows = t[:whole].reshape(-1, block)
    means, lows, highs = floats(preview, "data"), floats(preview, "lo"), floats(preview, "hi")
    torch.testing.assert_close(lows[:-1], rows.amin(dim=1), rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(highs[:-1], rows.amax(dim=1), rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(means[:-1], rows.mean(dim=1), equal_nan=True)
    tail = t[whole:]
    assert (lows[-1].item(), highs[-1].item()) == (tail.min().item(), tail.max().item())
    assert lows[3].isnan() and means[3].isnan() and not means[4].isnan()


def test_a_dtensor_line_is_cut_into_the_blocks_of_a_single_process_preview():
    for length in (5000, 10**6, 10**7 + 3):
        assert Grid.of((length,)).blocks == (line_block(length),)
        sparse = torchinspect.snapshot(torch.zeros(length).to_sparse())["preview"]
        assert sparse["block"] == [line_block(length)]
