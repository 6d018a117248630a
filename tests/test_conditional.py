"""Conditional generation: labels read from wide and long files, bad label columns, G and D seeing the
label, training with both cells and both losses, checkpoints carrying the classes, TSTR accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rgan.data import DataConfig, DataError, load_csv
from rgan.metrics import tstr_accuracy
from rgan.models import Discriminator, Generator, ModelConfig
from rgan.train import TrainConfig, Trainer


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _wide(n: int = 40, steps: int = 12, seed: int = 0) -> pd.DataFrame:
    """Two classes: a rising and a falling ramp, with noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    ramp = np.linspace(0, 1, steps)
    values = np.where(y[:, None] == 0, ramp, 1 - ramp) + rng.normal(0, 0.05, (n, steps))
    frame = pd.DataFrame(values, columns=[f"t{i}" for i in range(steps)])
    frame.insert(0, "label", np.where(y == 0, "up", "down"))
    return frame


def _long(n_ids: int = 12, steps: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = [{"id": i, "step": s, "group": i % 3, "x": rng.normal() + i % 3, "y": rng.normal()}
            for i in range(n_ids) for s in range(steps)]
    return pd.DataFrame(rows)


def test_labels_come_from_a_wide_files_label_column_and_a_long_files_per_id_column() -> None:
    wide = load_csv(_csv(_wide()), DataConfig(label_column="label", seq_len=12))
    assert wide.class_names == ["down", "up"] and wide.labels.tolist()[:4] == [1, 0, 1, 0]
    assert wide.to_dict_info()["class_counts"] == [20, 20]
    long = load_csv(_csv(_long()), DataConfig(id_column="id", label_column="group", seq_len=4, stride=2))
    assert long.report.layout == "long" and long.class_names == ["0", "1", "2"]
    assert "group" not in long.feature_names  # the label is not a feature
    assert long.labels.shape == (long.n_sequences,) and long.labels.tolist()[:3] == [0, 0, 0]  # 3 windows of id 0
    unlabelled = load_csv(_csv(_wide()), DataConfig(seq_len=12))  # a detected label column alone: no conditioning
    assert unlabelled.labels is None and unlabelled.n_classes == 0


@pytest.mark.parametrize("change, config, message", [
    (lambda f: f.assign(group=np.arange(len(f)) % 2), DataConfig(id_column="id", label_column="group", seq_len=4),
     "Column 'group' changes within a sequence of id '0' (0 then 1); a label must be constant within each sequence: "
     "choose another column."),
    (lambda f: f.assign(group=f["id"]), DataConfig(id_column="id", label_column="group", seq_len=4),
     "Label column 'group' has 12 different values for 12 sequences; a label needs at most 6 classes with several "
     "sequences each: choose a column of categories."),
    (lambda f: f.assign(group=5), DataConfig(id_column="id", label_column="group", seq_len=4),
     "Label column 'group' has a single value; a label needs at least two classes."),
    (lambda f: f.assign(group=f["group"].where(f["id"] != 3)), DataConfig(id_column="id", label_column="group", seq_len=4),
     "Label column 'group' has 8 empty cells; fill them in or choose another label column."),
    (lambda f: f, DataConfig(layout="time_rows", label_column="group", seq_len=4),
     "A label column ('group') needs one value per sequence, but with rows as time steps the file is one long series; "
     "choose the long layout with an id column, or no label."),
])
def test_bad_label_columns_are_refused_with_a_message(change, config, message) -> None:
    with pytest.raises(DataError) as info:
        load_csv(_csv(change(_long())), config)
    assert str(info.value) == message


def test_generator_and_discriminator_see_the_label() -> None:
    config = ModelConfig(noise_dim=3, static_noise_dim=0, g_hidden=8, d_hidden=8, n_classes=3, label_dim=4, burn_in=0)
    torch.manual_seed(0)
    g, d = Generator(2, config), Discriminator(2, config)
    z = torch.randn(3, 5, 3)
    a, b = g(z, torch.tensor([0, 0, 0])), g(z, torch.tensor([1, 1, 1]))
    assert a.shape == (3, 5, 2) and not torch.allclose(a, b)
    assert not torch.allclose(d(a, torch.tensor([0, 0, 0])), d(a, torch.tensor([2, 2, 2])))
    assert d(a).shape == (3, 5)  # without labels: the mean class embedding (teaching views)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 0"):
        ModelConfig(n_classes=-1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("loss", ["ns", "wgan-gp"])
def test_conditional_training_with_both_cells_and_losses(cell: str, loss: str, tmp_path) -> None:
    data = load_csv(_csv(_wide()), DataConfig(label_column="label", seq_len=12))
    model = ModelConfig(g_cell=cell, d_cell=cell, g_hidden=8, d_hidden=8, noise_dim=2, static_noise_dim=2)
    trainer = Trainer(data, model, TrainConfig(loss=loss, batch_size=16, device="cpu", seed=1, overlap=cell == "gru"))
    assert trainer.model_config.n_classes == 2  # the data makes the model conditional
    for _ in range(3):
        stats = trainer.step()
    assert all(np.isfinite(stats[k]) for k in ("loss_d", "loss_g", "d_real", "d_fake"))
    samples, labels = trainer.sample(6, seed=3, classes=["up"], with_labels=True)
    assert samples.shape == (6, 12, 1) and labels.tolist() == [1] * 6
    assert trainer.preview_labels.tolist()[:4] == [0, 1, 0, 1]
    trainer.save(tmp_path / "c.pt")
    loaded = Trainer.load(tmp_path / "c.pt", device="cpu")
    assert loaded.class_names == ["down", "up"] and loaded.model_config.n_classes == 2
    np.testing.assert_allclose(loaded.sample(4, seed=2, classes=["down"]), trainer.sample(4, seed=2, classes=["down"]))
    with pytest.raises(ValueError, match=r"Unknown label 'left'; this model knows: down, up\."):
        trainer.sample(2, classes=["left"])
    with pytest.raises(ValueError, match="conditioned on 2 classes but the data has no label column"):
        Trainer.load(tmp_path / "c.pt", data=load_csv(_csv(_wide()), DataConfig(seq_len=12)), device="cpu")


def test_labels_are_drawn_with_the_training_frequencies() -> None:
    frame = _wide(n=40)
    frame.loc[frame.index[:30], "label"] = "up"  # 35 up, 5 down
    data = load_csv(_csv(frame), DataConfig(label_column="label", seq_len=12))
    trainer = Trainer(data, ModelConfig(g_hidden=4, d_hidden=4), TrainConfig(device="cpu"))
    _, labels = trainer.sample(2000, seed=0, with_labels=True)
    assert abs(labels.mean() - 35 / 40) < 0.03
    unconditional = Trainer(load_csv(_csv(_wide()), DataConfig(seq_len=12)), ModelConfig(g_hidden=4, d_hidden=4),
                            TrainConfig(device="cpu"))
    with pytest.raises(ValueError, match="trained without a label column"):
        unconditional.sample(2, classes=["up"])


def test_tstr_accuracy_is_high_for_right_labels_and_low_for_swapped_ones() -> None:
    data = load_csv(_csv(_wide(n=80)), DataConfig(label_column="label", seq_len=12))
    fake = np.asarray(load_csv(_csv(_wide(n=80, seed=5)), DataConfig(label_column="label", seq_len=12)).windows)
    real, labels = np.asarray(data.windows), data.labels
    right = tstr_accuracy(real, labels, fake, labels, class_names=data.class_names, iterations=150)
    swapped = tstr_accuracy(real, labels, fake, 1 - labels, iterations=150)
    assert right["tstr_accuracy"] > 0.9 and right["trtr_accuracy"] > 0.9
    assert swapped["tstr_accuracy"] < 0.1 and set(right["per_class"]) == {"down", "up"}
    with pytest.raises(ValueError, match="one label per sequence"):
        tstr_accuracy(real, labels[:-1], fake, labels)


def test_tstr_classifier_tells_long_sequences_apart_by_a_local_shape_anywhere_in_them() -> None:
    """Three classes of 200 steps that differ only in a short shape (a bump, a dip, a step) at a random
    place, as arrowhead's do: the classifier must see it wherever it sits (a GRU over the whole sequence
    stayed near chance on arrowhead), and gives the same answer under the same seed."""
    rng = np.random.default_rng(3)
    n, t = 150, 200
    labels = np.arange(n) % 3
    x = 0.5 + rng.normal(0, 0.03, (n, t))
    shape = np.sin(np.linspace(0, np.pi, 20))
    for i, c in enumerate(labels):
        at = rng.integers(10, t - 30)
        x[i, at:at + 20] += (0.3 * shape, -0.3 * shape, 0.2 * np.ones(20))[c]
    x = x[:, :, None].astype(np.float32)
    first = tstr_accuracy(x, labels, x, labels, iterations=200, seed=1)
    assert first["trtr_accuracy"] > 0.9 and first["tstr_accuracy"] > 0.9
    assert tstr_accuracy(x, labels, x, labels, iterations=200, seed=1) == first


# ------------------------------------------------------------------------------------------ the pages
def _page(page: str, **query: str):
    from streamlit.testing.v1 import AppTest

    from tests.test_pages import APP

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(query)
    at.run()
    at.switch_page(page)
    return at.run()


@pytest.mark.usefixtures("app_state")
def test_data_page_offers_condition_on_and_refuses_a_varying_column_with_its_reason() -> None:
    at = _page("pages/data.py")
    at.button_group(key="data_kind").set_value("Upload a CSV").run()
    at.file_uploader(key="data_file").set_value(("wide.csv", _csv(_wide()), "text/csv")).run()
    at.number_input(key="d_seq_len").set_value(12).run()
    picker = at.selectbox(key="d_label_column")
    assert picker.label == "Condition on" and picker.options == ["(none)", "label"]
    picker.set_value("label").run()
    assert not at.exception and not at.error
    assert "Conditioned on" in " ".join(m.value for m in at.markdown) and "2 classes" in " ".join(m.value for m in at.markdown)
    at = _page("pages/data.py")
    at.button_group(key="data_kind").set_value("Upload a CSV").run()
    frame = _long().assign(phase=lambda f: f["step"] % 2)  # changes within each id
    at.file_uploader(key="data_file").set_value(("long.csv", _csv(frame), "text/csv")).run()
    at.number_input(key="d_seq_len").set_value(4).run()
    at.selectbox(key="d_layout").set_value("long").run()
    at.selectbox(key="d_id_column").set_value("id").run()
    at.selectbox(key="d_label_column").set_value("phase").run()
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [  # the box shows it markdown-escaped
        "Column 'phase' changes within a sequence of id '0' (0 then 1); a label must be constant within each "
        "sequence: choose another column."]


@pytest.mark.usefixtures("app_state")
def test_compare_page_makes_chosen_classes_at_a_chosen_length_in_the_files_layout() -> None:
    from rgan.dashboard import state
    from rgan.data import DataSource
    from rgan.runs import FINISHED
    from tests.test_evaluation_jobs import wait_for

    owner = "conditional-owner-token-0123456789"
    config = DataConfig(label_column="label", seq_len=12)
    source = DataSource("csv", "wide.csv", config, csv_bytes=_csv(_wide()))
    data = source.load()
    model = ModelConfig(noise_dim=2, static_noise_dim=0, g_hidden=4, d_hidden=4, g_layers=1)
    run = state.registry().start(source, model, TrainConfig(batch_size=8, steps=6, device="cpu"), owner, data=data)
    wait_for(lambda: run.snapshot().state == FINISHED)
    run.join(5)
    at = _page("pages/compare.py", me=owner, run=run.id)
    assert at.multiselect(key="cmp_classes").options == ["down", "up"]
    at.session_state["cmp_n"] = 16
    at.number_input(key="cmp_length").set_value(20).run()
    at.multiselect(key="cmp_classes").set_value(["up"]).run()
    assert not at.exception and not at.error
    assert "Length (steps)" in [n.label for n in at.number_input]
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Long samples: 20 steps, 1.7 training windows" in spec for spec in charts)
    at.button(key="cmp_long_go").click().run()
    assert not at.exception
    shown = {m.label: float(m.value) for m in at.metric}
    assert set(shown) >= {"First 12 steps", "Last 12 steps"}
    assert all(0.0 <= shown[k] <= 0.5 for k in ("First 12 steps", "Last 12 steps"))
    from rgan.dashboard import compare

    m = compare.Model("k", "x", ["value"], 12, "ns", run.with_trainer, data, None, "wide")
    c = compare.compare(m, 4, 0, 20, ["up"])
    assert c.fake.shape == (4, 12, 1) and c.fake_long.shape == (4, 20, 1) and c.labels.tolist() == [1] * 4
    assert set(c.real_labels.tolist()) == {1}  # real windows of the chosen class only
    from rgan.data.export import own_layout_frame

    table = own_layout_frame(c.fake_long, ["value"], c.data_info, c.labels)
    assert list(table.columns) == ["label"] + [f"t{i}" for i in range(20)] and set(table["label"]) == {"up"}
