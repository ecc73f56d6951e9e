# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Trajecten en kosten: duur, verlengingen, zorgpaden en kostengroei
#
# Waarom stijgen de kosten van jeugdhulp? AEF (*Stelsel in groei*, 2020) vond dat de kosten
# vooral stijgen doordat **trajecten langer duren** (de uitstroom blijft achter) en doordat de
# **kosten per cliënt per jaar** toenemen, niet doordat de instroom groeit. Het onderzoek in
# Sittard-Geleen zag hetzelfde bij begeleiding en behandeling: trajecten duren langer, volgen
# elkaar op en worden vaak verlengd, zelden afgeschaald. BMC (2025) adviseert gemeenten te sturen
# op behandelduur en verlengingen en die cijfers te delen met verwijzers en aanbieders
# ("tellen en vertellen").
#
# Dit notebook laat zien hoe je die vragen beantwoordt met de gegevens die een gemeente zelf
# heeft: de iJw-berichten (toewijzingen JW301, start en stop zorg JW305/JW307, declaraties JW323).
#
# **Let op:** met `data = "simulated"` gebruikt dit notebook **SYNTHETISCHE gegevens**
# (`simulate_trajectories`): verzonnen cliënten, aanbieders en gemeenten (codes GM9901–GM9903)
# met plausibele vormen maar zonder enige echte waarde. Geef voor echte analyses het pad naar
# een trajectbestand (en een declaratiebestand) op.
#
# Alle berekeningen gebeuren in `jeugdlib.trajectories`; aantallen in tabellen gaan door
# `jeugdlib.disclosure.protect` (kleiner dan 10 onderdrukt, de rest afgerond op 5).

# %% tags=["parameters"]
data = "simulated"  # of een pad naar een trajectbestand (CSV, Excel, parquet)
claims_path = None  # pad naar het declaratiebestand (verplicht bij echte gegevens)
gemeente = "GM9901"  # None = alle gemeenten in het bestand
base_year = 2019
end_year = 2023
as_of = "2023-12-31"  # peildatum: lopende trajecten worden op deze datum gecensureerd
observed_from = "2018-01-01"  # eerste datum van het extract
scenario = "longer_durations"  # alleen voor gesimuleerde gegevens: "baseline" of "longer_durations"
n_clients = 20000
seed = 2020

# %%
import warnings

from IPython.display import display

import jeugdlib.trajectories as T
from jeugdlib.disclosure import protect
from jeugdlib.plots import trajectories as P

warnings.filterwarnings("ignore", category=FutureWarning)
labels = T.code_labels("productcategorie")

# %% [markdown]
# ## 1. Gegevens laden en controleren
#
# `load_trajectories` controleert het bestand: einddatum vóór begindatum, datums in de toekomst,
# onbekende codes, dubbele regels en waarden die op een BSN lijken (die worden geweigerd, of
# alleen op verzoek gepseudonimiseerd met een geheime salt). Overlappende trajecten van dezelfde
# vorm bij dezelfde aanbieder worden samengevoegd (CBS-regel).

# %%
if data == "simulated":
    sim = T.simulate_trajectories(n_clients, observed_from, as_of, seed=seed, scenario=scenario)
    raw_traj, raw_claims = sim.trajectories, sim.claims
    print(sim.description)
else:
    raw_traj, raw_claims = data, claims_path
# read_trajectories geeft de tabel met het controleverslag en de peildatum/begindatum van het extract
traj = T.read_trajectories(raw_traj, as_of=as_of, observed_from=observed_from)
claims = T.read_claims(raw_claims, as_of=as_of) if raw_claims is not None else None
print(traj.report.summary())
if gemeente is not None:
    traj = traj.subset(traj.table["gemeentecode"] == gemeente)
print(f"Gemeente: {gemeente or 'alle'}; toewijzingen na samenvoegen: {len(traj):,}".replace(",", "."))

# %% [markdown]
# ## 2. Hoe lang duren trajecten?
#
# Een traject is hier een toewijzing met haar verlengingen: opeenvolgende toewijzingen van
# dezelfde cliënt, aanbieder en productcategorie (hooguit 7 dagen ertussen). Trajecten die op de
# peildatum nog lopen, zijn *gecensureerd*: we weten alleen dat ze minstens zo lang duren. De
# Kaplan–Meier-schatter houdt daar rekening mee; het gewone gemiddelde over beëindigde
# trajecten (het CBS-cijfer) onderschat de duur. De *beperkte gemiddelde duur* (RMST) is de
# gemiddelde duur binnen de eerste vier jaar.

# %%
dur = T.durations(traj, by="productcategorie")
tab = dur.table[["n_trajectories", "n_completed", "n_running", "median_days", "rmst_days", "mean_days_completed"]]
tab = protect(
    tab,
    ["n_completed", "n_running"],
    total_col="n_trajectories",  # beëindigd + lopend = totaal: één verborgen cel is anders terug te rekenen
    rate_cols={"median_days": "n_trajectories", "rmst_days": "n_trajectories", "mean_days_completed": "n_completed"},
    source="duur per productcategorie",
)
tab.index = [f"{c} {labels.get(c, '')}" for c in tab.index]
tab.columns = ["trajecten", "beëindigd", "lopend", "mediaan (dagen)", "RMST 4 jaar (dagen)", "gem. beëindigd (dagen)"]
tab.round(0)

# %%
fig = dur.plot(groups=["51", "45", "54", "41", "43", "44"])

# %% [markdown]
# De mediane duur met haar 95%-betrouwbaarheidsinterval (Kaplan–Meier; lifelines geeft geen
# standaardfout voor de mediaan). Ook hier gaan de aantallen eerst door `protect`.

# %%
med = dur.tidy().set_index("group")[["n_obs", "estimate", "ci_low", "ci_high"]]
med = protect(med, ["n_obs"], rate_cols={c: "n_obs" for c in ["estimate", "ci_low", "ci_high"]}, source="mediane duur")
med.index = [f"{c} {labels.get(c, '')}" for c in med.index]
med.columns = ["trajecten", "mediaan (dagen)", "95%-interval: onder", "95%-interval: boven"]
med.round(0)

# %% [markdown]
# De duurklassen die CBS en BMC gebruiken (0–3 maanden … meer dan 4 jaar). De Kaplan–Meier-verdeling
# telt ook de lopende trajecten mee.

# %%
dur_all = T.durations(traj)
b = dur_all.buckets.set_index("bucket")[["n_completed", "share_completed", "km_share"]]
b = protect(b, ["n_completed"], rate_cols={"share_completed": "n_completed"}, source="duurklassen")
b.columns = ["beëindigd", "aandeel beëindigd", "aandeel (Kaplan–Meier)"]
b.round(3)

# %%
fig = P.plot_duration_buckets(dur_all)

# %% [markdown]
# **Trend naar startjaar.** Worden trajecten langer? Latere startjaren hebben minder tijd gehad om
# te eindigen; Kaplan–Meier corrigeert daarvoor, maar voor de laatste jaren blijft de schatting
# onzeker. De beperkte gemiddelde duur over vier jaar is alleen te schatten als de trajecten lang
# genoeg gevolgd zijn; die over het eerste jaar ook voor recente startjaren.

# %%
trend = dur_all.trend.set_index("start_year")[
    ["n_trajectories", "n_completed", "median_days", "rmst_1y_days", "rmst_days"]
]
trend = protect(
    trend,
    ["n_trajectories", "n_completed"],
    rate_cols={"median_days": "n_trajectories", "rmst_1y_days": "n_trajectories", "rmst_days": "n_trajectories"},
    source="trend",
)
trend.columns = ["trajecten", "beëindigd", "mediaan (dagen)", "RMST 1 jaar (dagen)", "RMST 4 jaar (dagen)"]
trend.round(0)

# %% [markdown]
# Een toets op de trend: een Cox-model met het startjaar als verklarende variabele (dezelfde
# linkse afkapping als Kaplan–Meier). Een hazard ratio onder 1 betekent dat trajecten van latere
# startjaren langzamer eindigen, dus langer duren.

# %%
print(dur_all.trend_test())

# %% [markdown]
# ## 3. Verlengingen
#
# Een verlenging is een aansluitende nieuwe toewijzing (of een toewijzing met reden wijziging 04,
# *herbeoordeling: verlenging*). BMC waarschuwt voor "verlenging op verlenging".

# %%
ext = T.extensions(traj)
e = ext.table[["n_trajectories", "n_extended", "n_extended_2plus", "share_extended", "share_extended_2plus"]]
e = protect(
    e,
    ["n_trajectories", "n_extended", "n_extended_2plus"],
    rate_cols={
        "share_extended": ["n_extended", "n_trajectories"],
        "share_extended_2plus": ["n_extended_2plus", "n_trajectories"],
    },
    total_row="totaal",
    source="verlengingen",
)
e.index = [f"{c} {labels.get(c, '')}" for c in e.index]
e.columns = ["trajecten", "verlengd", "2x of vaker verlengd", "aandeel verlengd", "aandeel 2x+"]
e.round(3)

# %% [markdown]
# Het aandeel verlengde trajecten met een 95%-interval (Wilson; blijft tussen 0 en 1, ook bij
# kleine groepen).

# %%
ci = ext.tidy().query("term == 'share_extended'").set_index("group")[["n_obs", "estimate", "ci_low", "ci_high"]]
ci = protect(
    ci,
    ["n_obs"],
    rate_cols={c: "n_obs" for c in ["estimate", "ci_low", "ci_high"]},
    total_row="totaal",
    source="verlengingen (interval)",
)
ci.index = [f"{c} {labels.get(c, '')}" for c in ci.index]
ci.columns = ["trajecten", "aandeel verlengd", "95%-interval: onder", "95%-interval: boven"]
ci.round(3)

# %% [markdown]
# ## 4. Zorgpaden
#
# Volgen trajecten elkaar op? De overgangstabel telt per traject wat er daarna kwam: een volgend
# traject (per productcategorie), *uit zorg* (minstens een jaar geen nieuw traject), *lopend* of
# *onbekend* (te kort geleden beëindigd om te weten).

# %%
paths = T.care_paths(traj)
print(f"Aandeel cliënten met meer dan één traject: {paths.share_sequential:.1%}")
trans = protect(paths.transitions, list(paths.transitions.columns), source="overgangen")
fig = P.plot_transitions(trans)

# %%
common = protect(
    paths.common_paths.set_index("path"), ["n_clients"], rate_cols={"share": "n_clients"}, source="zorgpaden"
)
common.columns = ["cliënten", "aandeel"]
common.round(3)

# %% [markdown]
# **Afschalen.** Hoe vaak gaat een cliënt na een beëindigd traject naar lichtere zorg of uit zorg?
# (Intensiteit van productcategorieën is een jeugdlib-indeling, zie `codelists()`.)

# %%
sd = paths.scale_down
cnt = ["n_lighter", "n_same", "n_heavier", "n_other", "n_out_of_care", "n_unknown"]
sd = protect(
    sd,
    cnt,
    rate_cols={
        "rate_lighter": cnt[:5],
        "rate_out_of_care": cnt[:5],
        "scale_down_rate": cnt[:5],
    },
    total_row="totaal",
    source="afschalen",
)
sd.index = [f"{c} {labels.get(c, '')}" for c in sd.index]
sd.columns = [
    "lichter",
    "gelijk",
    "zwaarder",
    "anders",
    "uit zorg",
    "onbekend",
    "% lichter",
    "% uit zorg",
    "% afgeschaald",
]
sd.round(3)

# %% [markdown]
# ## 5. Instroom, uitstroom en lopende trajecten
#
# Per jaar geldt precies: lopend aan het eind = lopend aan het begin + instroom − uitstroom.
# (Na afronding op vijftallen klopt de som in de tabel niet altijd meer exact.)

# %%
fl = T.flows(traj, "year")
flp = protect(
    fl.drop(columns="complete"),
    ["stock_start", "inflow", "outflow", "stock_end"],
    rate_cols={"mean_duration_completed_days": "outflow"},
    source="stromen",
)
flp.columns = ["lopend begin", "instroom", "uitstroom", "lopend eind", "gem. duur uitstroom (dagen)"]
flp.round(0)

# %%
fig = P.plot_flows(protect(fl, ["stock_start", "inflow", "outflow", "stock_end"], source="stromen"))

# %% [markdown]
# ## 6. Waardoor stijgen de kosten?
#
# Kosten = aantal cliënten × zorgmaanden per cliënt × kosten per zorgmaand. De
# log-mean-Divisia-ontleding (LMDI) verdeelt de kostengroei exact over deze drie delen: de drie
# effecten tellen precies op tot de totale verandering. Een groot effect van *zorgmaanden per
# cliënt* is de AEF-bevinding: de kosten stijgen doordat trajecten langer duren.
#
# Let bij het lezen op het verband met paragraaf 5: stijgt het aantal cliënten in zorg terwijl de
# instroom vlak blijft, dan komt ook die stijging door achterblijvende uitstroom (cliënten blijven
# langer en tellen in meer jaren mee), niet door meer nieuwe cliënten.

# %%
if claims is not None:
    cost = T.cost_decomposition(traj, claims, base_year, end_year, unmatched="ignore")
    yr, eff = cost.published()  # counts protected, per-client ratios from the rounded counts
    yr.columns = [
        "cliënten",
        "zorgmaanden",
        "kosten (€)",
        "zorgmaanden per cliënt",
        "kosten per zorgmaand (€)",
        "kosten per cliënt (€)",
    ]
    display(yr.round(1))
    eff = eff.rename(
        index={
            "clients": "aantal cliënten",
            "care_months_per_client": "zorgmaanden per cliënt",
            "cost_per_care_month": "kosten per zorgmaand",
            "total": "totale verandering",
        }
    )
    eff.columns = ["effect (€)", "aandeel van de groei", "log-verhouding"]
    display(eff.round(3))
    print(f"Controle: som van de effecten − totale verandering = {cost.check_additivity():.2e} euro")
    fig = cost.plot()
else:
    print("Geen declaratiebestand opgegeven: de kostenontleding wordt overgeslagen.")

# %% [markdown]
# ## 7. Tellen en vertellen: cijfers per aanbieder
#
# Per aanbieder: aantal cliënten, mediane duur, aandeel verlengde trajecten en aandeel volgens plan
# beëindigd. De tabel is beschermd (kleine aantallen onderdrukt, percentages op onderdrukte
# aantallen ook). Zulke cijfers zijn een startpunt voor het gesprek met aanbieders en verwijzers,
# geen oordeel: verschillen kunnen komen door een andere cliëntpopulatie.

# %%
prov = T.provider_indicators(traj)
prov = prov[["n_clients", "n_trajectories", "median_duration_days", "pct_extended", "pct_ended_to_plan"]]
prov.columns = ["cliënten", "trajecten", "mediane duur (dagen)", "% verlengd", "% volgens plan beëindigd"]
prov.round(1)
