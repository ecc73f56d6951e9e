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
# # Wijkteams en POH-jeugd: verschil-in-verschillen (difference-in-differences)
#
# Dit notebook volgt de vragen van het CPB (*Wijkteams en praktijkondersteuners in de
# jeugdzorg*, december 2020): groeit het gebruik van tweedelijns jeugdzorg minder in
# gemeenten waar het wijkteam zelf hulp biedt, of waar de gemeente een POH-jeugd bij de
# huisarts financiert? Het CPB vond +7% tweedelijns jeugdzorg in 2018 ten opzichte van 2013,
# geen verschil tussen gemeenten met en zonder hulpverlenende wijkteams, maar wél minder groei
# van jeugdzorg **met verblijf** waar veel kinderen hulp van het wijkteam krijgen
# (+11% tegenover +25%).
#
# **Let op: de analyses hieronder gebruiken een SYNTHETISCH panel** (`simulate_cpb_panel`),
# afgestemd op de gepubliceerde CPB-cijfers, met bekende ware effecten. Het zijn géén echte
# gemeenten (codes GM9000 en hoger). Zo kunnen we laten zien welke schatter het ware effect
# terugvindt. Het laatste deel toont de werkwijze met echte CBS-gegevens.
#
# Alle rekenwerk zit in `jeugdlib.did`; dit notebook roept alleen functies aan.

# %% tags=["parameters"]
n_gemeenten = 350
seed = 2020
n_boot = 499
window = (-4, 4)
uitkomst = "ln_met_verblijf"
# Echte gegevens: pad naar de beleidstabel (gemeentecode, jaar_wijkteam, intensiteit_wijkteam).
# None = het deel met echte gegevens wordt overgeslagen.
real_data_path = None
real_years = [2015, 2016, 2017, 2018, 2019, 2020]
real_outcome = "jeugdhulp_met_verblijf"  # een vorm uit jeugdlib.data.cbs.VORMEN

# %%
import warnings

import pandas as pd
from IPython.display import display

from jeugdlib import did
from jeugdlib import publication as P
from jeugdlib.errors import StaggeredTimingWarning
from jeugdlib.plots import did as did_plots
from jeugdlib.publication import Publication, TableSpec

pub = Publication()  # de publicatiegrens: elke tabel met aantallen gaat hierdoor

pd.set_option("display.precision", 4)

# %% [markdown]
# ## 1. Het synthetische gemeentepanel
#
# Hulpverlenende wijkteams worden gespreid ingevoerd (2015–2018, samen 64% van de gemeenten);
# 54% financiert een POH-jeugd (zonder echt effect). Het effect van het wijkteam op jeugdzorg
# met verblijf groeit met de duur van de blootstelling en is groter waar het wijkteam meer
# kinderen helpt. Het aantal gemeenten per invoeringsjaar (aantallen gemeenten, geen personen):

# %%
panel = did.simulate_cpb_panel(n_gemeenten=n_gemeenten, seed=seed)
assert panel.attrs["synthetic"]
per_cohort = (
    panel.groupby("gemeentecode")["jaar_wijkteam"]
    .first()
    .replace(0, "nooit")
    .astype(str)
    .value_counts()
    .sort_index()
    .rename("Gemeenten")
    .rename_axis("Invoeringsjaar wijkteam")
    .reset_index()
)
pub.publish(
    per_cohort,
    TableSpec("cohorten", (P.label("Invoeringsjaar wijkteam"), P.units("Gemeenten")), key="Invoeringsjaar wijkteam"),
).table

# %% [markdown]
# ## 2. De CPB-vraag: groei 2013–2018 bij veel versus weinig wijkteamhulp
#
# We delen de gemeenten in drie groepen naar het aandeel kinderen dat hulp van het wijkteam
# krijgt en vergelijken de groei van jeugdzorg met verblijf (bootstrap-intervallen over
# gemeenten). Aantallen kinderen gaan door de publicatiegrens; de groei is berekend op de afgeronde aantallen.

# %%
gemeenten = panel.groupby("gemeentecode")["intensiteit_wijkteam"].first()
groep = pd.qcut(gemeenten.rank(method="first"), 3, labels=["weinig", "midden", "veel"])
panel["wijkteamhulp"] = panel["gemeentecode"].map(groep)
groei = did.growth_by_group(
    panel, "jeugdhulp_met_verblijf", "wijkteamhulp", 2013, 2018, n_boot=n_boot, seed=seed, reference="weinig"
)
groei_spec = TableSpec(
    "groei_verblijf",
    (
        P.label("group"),
        P.units("n_units"),
        P.count("base", "jeugdzorg met verblijf 2013 per groep"),
        P.count("end", "jeugdzorg met verblijf 2018 per groep"),
        P.rate("growth_pct", "end", "base", scale=100.0, offset=-100.0),
        P.derived("ci_low", "base", "end"),
        P.derived("ci_high", "base", "end"),
    ),
    key="group",
)
pub.publish(groei.table, groei_spec).table

# %%
groei.contrasts

# %%
_ = did_plots.growth_plot(groei, title="Groei jeugdzorg met verblijf 2013-2018 (SYNTHETISCH)")

# %% [markdown]
# ## 3. Intensiteit: dosis-respons
#
# `intensity_did` vergelijkt de verandering (in logaritmen, dus bij benadering groeivoeten)
# tussen de jaren vóór en vanaf 2015 per intensiteitsgroep, en schat de helling per eenheid
# intensiteit met gemeente-geclusterde standaardfouten.

# %%
intens = did.intensity_did(
    panel,
    "jeugdhulp_met_verblijf",
    "gemeentecode",
    "jaar",
    "intensiteit_wijkteam",
    post_from=2015,
    n_boot=n_boot,
    seed=seed,
)
pub.publish(
    intens.groups,
    TableSpec(
        "intensiteitsgroepen",
        (
            P.label("group"),
            P.units("n_units"),
            *(P.statistic(c) for c in intens.groups.columns if c not in ("group", "n_units")),
        ),
        key="group",
    ),
).table

# %%
display(intens.contrasts)
intens.slope

# %%
_ = did_plots.intensity_plot(intens, title="Groei met verblijf naar wijkteamhulp (SYNTHETISCH)")

# %% [markdown]
# ## 4. TWFE versus robuuste schatters
#
# Bij gespreide invoering en effecten die met de tijd groeien is de klassieke
# two-way-fixed-effects-schatter (TWFE) vertekend: al behandelde gemeenten dienen als
# controle. `compare_estimators` zet TWFE naast Sun & Abraham, Gardner (did2s) en
# Callaway & Sant'Anna. Omdat dit panel synthetisch is, kennen we het ware effect.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", StaggeredTimingWarning)  # we tonen de vertekening bewust
    vergelijking, resultaten = did.compare_estimators(
        panel, uitkomst, "gemeentecode", "jaar", "jaar_wijkteam", window=window, return_results=True
    )
waar_dyn = did.true_att(panel, uitkomst, kind="dynamic")
waar_dyn = waar_dyn[waar_dyn["event_time"].between(*window)]
waar_post = waar_dyn.loc[waar_dyn["event_time"] >= 0, "att"].mean()
waar_simple = did.true_att(panel, uitkomst, kind="simple")
samenvatting = vergelijking[vergelijking["term"] != "event"].drop(columns="event_time")
samenvatting["waar_effect"] = [waar_simple if t == "static" else waar_post for t in samenvatting["term"]]
samenvatting

# %% [markdown]
# `post_average` is het gemiddelde van de effecten 0 tot en met 4 jaar na invoering; het ware
# effect daarvan staat in `waar_effect`. Voor de statische TWFE-schatting (één coëfficiënt) is
# het ware gemiddelde effect over alle behandelde gemeente-jaren de vergelijkingsmaat: TWFE ligt
# daar duidelijk boven (dichter bij nul), terwijl Callaway & Sant'Anna (`simple`, hieronder) het
# terugvindt. Het event-study-diagram, met het ware effect als stippellijn:

# %%
_ = did_plots.event_study_plot(
    vergelijking, truth=waar_dyn, ylabel="effect op log(met verblijf)", title="Event study, SYNTHETISCH panel"
)

# %% [markdown]
# ## 5. Callaway & Sant'Anna in detail, pre-trends en gevoeligheid
#
# Groep-tijd-effecten met simultane (uniforme) bootstrapbanden, de samenvattingen zoals het
# R-pakket `did`, een gezamenlijke Wald-toets op de pre-periode en een
# *relative magnitudes*-gevoeligheidsanalyse (Rambachan & Roth): hoe groot mag een schending
# van parallelle trends na invoering zijn, als veelvoud van de grootste pre-periode-afwijking,
# voordat het effect niet meer van nul te onderscheiden is?

# %%
cs = did.staggered_att(
    panel, uitkomst, "gemeentecode", "jaar", "jaar_wijkteam", control="never", n_boot=n_boot, seed=seed
)
print("waar effect (simple):", round(waar_simple, 4))
for soort in ("simple", "group", "dynamic", "calendar"):
    print(soort, cs.aggregate(soort).overall.round(4).to_dict())
cs.pretrend_test()

# %% [markdown]
# Elk resultaat heeft `.tidy()`: een tabel met `estimate`, `std_error`, `statistic`, `p_value`,
# `ci_low` en `ci_high` (hier de dynamische samenvatting, met de simultane banden).

# %%
cs.aggregate("dynamic").tidy()

# %%
_ = did_plots.att_gt_plot(cs, title="ATT(g,t) met verblijf (SYNTHETISCH)")

# %%
rm = did.relative_magnitudes(resultaten["sunab"], mbar=[0, 0.5, 1, 2, 5])
print("breakdown Mbar:", round(rm.breakdown_mbar, 2))
rm.table

# %% [markdown]
# ### POH-jeugd
#
# In het synthetische panel heeft de POH-jeugd géén effect; de robuuste schatter hoort dat te
# bevestigen (interval rond nul), net als het CPB geen verschil vond.

# %%
poh = did.staggered_att(panel, "ln_totaal", "gemeentecode", "jaar", "jaar_poh", n_boot=n_boot, seed=seed)
poh.aggregate("simple")

# %% [markdown]
# ## 6. Werkwijze met echte gegevens
#
# 1. **Jeugdzorggebruik per gemeente**: CBS StatLine, tabellen 84134NED (2015–2020) en
#    85099NED (2021 en later), opgehaald met
#    `jeugdlib.data.cbs.jeugdzorg_gemeenten(years, boundary_year=2022)` (lange vorm met
#    `gemeentecode`, `jaar` en uitkomstkolommen, omgerekend naar de gemeentegrenzen van 2022).
#    Daarvoor is een internetverbinding nodig; de gegevens worden lokaal gecachet.
# 2. **Beleidstabel**: invoeringsjaar van hulpverlenende wijkteams en/of POH-jeugd en de
#    intensiteit per gemeente komen niet van het CBS maar uit een eigen enquête (zoals die van
#    het CPB). Lever een CSV/Excel/parquet-bestand met `gemeentecode` (GM + 4 cijfers,
#    indeling 2022), `jaar_wijkteam` (leeg of 0 = nooit) en eventueel `intensiteit_wijkteam`
#    (aandeel tussen 0 en 1); `load_policy_table` controleert het.
# 3. Zet `real_data_path` en `real_outcome` in de parametercel. Let op: CBS-reeksen beginnen
#    in 2015, dus invoering in 2015 heeft geen voorperiode; dan is alleen latere invoering te
#    analyseren, of de intensiteitsvergelijking.

# %%
if real_data_path is None:
    print("Geen echte gegevens opgegeven (real_data_path=None): deze stap is overgeslagen.")
else:
    from jeugdlib.data.cbs import jeugdzorg_gemeenten

    beleid = did.load_policy_table(real_data_path, boundary_year=2022)
    cbs = jeugdzorg_gemeenten(real_years, boundary_year=2022, wide=True)  # één kolom per vorm
    echt = cbs.merge(beleid, on="gemeentecode", how="inner", validate="many_to_one")
    echt_cs = did.staggered_att(
        echt, real_outcome, "gemeentecode", "jaar", "jaar_wijkteam", control="notyet", n_boot=n_boot, seed=seed
    )
    display(echt_cs.aggregate("dynamic"))
    display(echt_cs.pretrend_test())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaggeredTimingWarning)
        echt_vgl = did.compare_estimators(echt, real_outcome, "gemeentecode", "jaar", "jaar_wijkteam", window=(-2, 3))
    display(did_plots.event_study_plot(echt_vgl, title=f"Event study {real_outcome}"))
