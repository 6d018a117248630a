"""Train: settings -> Start -> a background run; live charts, controls, step-by-step view."""

import streamlit as st

from rgan.dashboard import diagram, live, runs_view, state, ui, widgets
from rgan.data import DataError
from rgan.train.recipe import describe, recipe_for
from rgan.train.warp import skewed_note

reg, me = state.registry(), state.owner()
st.title("Train")
run = state.current_run(reg)
if run is not None and not widgets.train_form_filled():
    widgets.set_train_form(run.model_config, run.train_config)  # a refreshed page shows the run's settings

with st.sidebar:
    try:
        source, data = state.current_data()
        st.markdown(f"**Data:** {ui.md_escape(data.name)}  \n"
                    f"{data.n_sequences:,} sequence{'s' if data.n_sequences != 1 else ''} × {data.seq_len} steps × "
                    f"{data.n_features} feature{'s' if data.n_features != 1 else ''}")
    except DataError as e:
        source = data = None
        ui.show_error(e, "Choose other data on the Data page.")
    st.page_link("pages/data.py", label="Change data", icon=":material/table_chart:")
    model, train, errors, started = widgets.train_form()
    if data is not None:
        recipe = recipe_for(data)
        made = recipe.apply(model, train)[2] if model is not None and train is not None else {}
        st.caption(describe(recipe, made) + (" Settings you change are kept." if made else ""))
        skewed = skewed_note(data, train.skew_limit) if train is not None else None
        if skewed:
            st.caption(ui.md_escape(skewed))
        if recipe.warning:
            st.warning(recipe.warning, icon=":material/warning:")

if started:
    if errors or data is None:
        for error in errors:
            ui.show_error(error)
    else:
        try:
            model, train, made = recipe.apply(model, train)
            run = state.start_run(model, train, source, data, extra={"recipe": describe(recipe, made)})
        except (DataError, ValueError) as e:
            ui.show_error(e)

runs_view.your_runs(reg, me, run)
if run is None:
    st.info("Set the sizes in the sidebar and press **Start training**. The run keeps going when you switch pages.",
            icon=":material/arrow_back:")
    st.graphviz_chart(diagram.model_diagram())
    st.caption("G turns noise into fake sequences; D scores real and fake ones; each network learns from D's loss.")
    st.stop()

live.live_panel(run)

st.subheader("Look closer")
# Lazy: only the open tab runs (D's view waits for the trainer between steps; a page load need not).
evolution_tab, d_tab = st.tabs(["Evolution", "Discriminator's view"], key="train_closer_tab", on_change="rerun")
if evolution_tab.open:
    with evolution_tab:
        runs_view.evolution(run.id)
if d_tab.open:
    with d_tab:
        runs_view.discriminator_view(run.id)
