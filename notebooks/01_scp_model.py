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
# # Het SCP-model: verwacht en waargenomen jeugdhulpgebruik per wijk
#
# Het Sociaal en Cultureel Planbureau (*Jeugdhulp in de wijk*, 2020) verklaarde het aandeel jongeren met
# jeugdhulp zonder verblijf per wijk (2017) uit 27 wijkkenmerken, met een multilevelmodel: wijken binnen
# gemeenten binnen 42 jeugdzorgregio's. Dit notebook schat dat model opnieuw met `jeugdlib`, vergelijkt de
# uitkomst met wat het SCP publiceerde en past het model toe op open CBS-data van 2021 en 2022.
#
# **Voorbehoud (SCP).** Een groot verschil tussen waargenomen en verwacht gebruik is geen oordeel over goed of
# slecht beleid: het zegt dat de wijk kenmerken heeft die het model niet kent, en is aanleiding om met lokale
# partners beter te kijken. Het model van 2017 is geen voorspelling voor latere jaren.

# %% tags=["parameters"]
region = None  # jeugdregio (code of naam) om uit te lichten; None = heel Nederland
year = 2022  # jaar van de open wijkdata (2021 of 2022)
folds = 5  # kruisvalidatie: aantal groepen gemeenten

# %%
import warnings

import matplotlib.pyplot as plt
from IPython.display import display

from jeugdlib import scp
from jeugdlib.data import find_region, load_scp_2017
from jeugdlib.plots import scp as scp_plots
from jeugdlib.publication import Publication

warnings.filterwarnings("ignore", category=FutureWarning)
pub = Publication()  # de publicatiegrens: ook modeluitkomsten gaan erdoorheen (aantallen wijken als eenheden)
wijken = load_scp_2017()
model = scp.fit_scp_model(wijken)
expected = model.expected()
summary = model.summary_tables()
print(model.summary())

# %% [markdown]
# ## Hoe goed reproduceren we het SCP?

# %%
agreement = scp.compare_with_published(expected)
display(pub.statistics(agreement.round(4), "overeenkomst_scp", units=("n_wijken", "n_observed")))
display(pub.statistics(scp.agreement_breakdown(expected).round(3), "overeenkomst_per_groep", units=("wijken",)))

# %% [markdown]
# De correlatie met de verwachte waarden van het SCP ligt boven 0,97 en de gemiddelde afwijking onder
# 0,6 procentpunt. De tabel daaronder laat zien waar het verschil zit: in wijken waarvan alle 27 kenmerken
# openbaar zijn, is de overeenkomst vrijwel volledig. Het resterende verschil komt uit twee bronnen die
# alleen het SCP (met de microdata) kon invullen:
#
# 1. **afgeschermde kenmerken** — in ruim 1.300 kleine wijken ontbreekt minstens één kenmerk in het openbare
#    bestand; wij vullen het aan met het gemiddelde van de gemeente (dan regio, dan land). Een
#    regressie-imputatie (`imputation="regression"`) voorspelt buiten de steekproef iets beter, maar ligt
#    verder van het SCP, en ontbrekend-indicatoren (`missing_indicators=True`) verslechteren de overeenkomst
#    sterk: het SCP gebruikte de echte waarden;
# 2. **afgeschermd gebruik** — voor 286 wijken met minder dan 10 gebruikers schatte het SCP het aantal
#    gebruikers bij en nam die wijken mee in de schatting; wij laten ze buiten de schatting en voorspellen ze
#    alleen.
#
# Link-functie en gewichten van het SCP zijn niet gepubliceerd; een logit- of log-transformatie
# (`transform="logit"`) verandert de overeenkomst nauwelijks.

# %% [markdown]
# ## Het model

# %%
display(pub.statistics(summary["variance_components"].round(3), "variantiecomponenten"))
display(pub.statistics({k: round(v, 3) for k, v in summary["r_squared"].items()}, "r_kwadraat"))
fig = scp_plots.coefficient_plot(model)
display(fig)
plt.close(fig)

# %% [markdown]
# Meer eenoudergezinnen, bijstand, speciaal onderwijs en een Antilliaanse/Surinaamse of niet-westerse
# achtergrond gaan samen met meer of minder gebruik zoals het SCP beschreef; de variantie ligt voor ruim
# 70% tussen wijken, de rest tussen gemeenten en regio's.

# %%
shown = expected
title = "Nederland"
if region is not None:
    reg = find_region(region, 2017)
    shown = expected[expected.jeugdregio_code == reg.jeugdregio_code]
    title = reg.jeugdregio_naam
fig = scp_plots.observed_vs_expected(shown, title=f"Waargenomen en verwacht gebruik — {title}")
display(fig)
plt.close(fig)
flags = shown.flag.value_counts().rename_axis("uitkomst").rename("wijken").reset_index()
display(pub.statistics(flags, "uitkomsten", units=("wijken",)))

# %%
fig = scp_plots.caterpillar(model, "jeugdregio")
display(fig)
plt.close(fig)

# %% [markdown]
# ## Buiten de steekproef: hele gemeenten weggelaten

# %%
cv_metrics, _ = scp.cross_validate(wijken, folds=folds)
display(pub.statistics(cv_metrics.round(3), "kruisvalidatie", units=("n_wijken",)))

# %% [markdown]
# Voor gemeenten die het model niet kent, verklaart het ongeveer een derde van de variantie tussen wijken, en
# het 95%-voorspellingsinterval bevat ongeveer 95% van de waargenomen waarden.

# %% [markdown]
# ## Toepassing op open data
#
# Het CBS publiceert per wijk het aantal jongeren met jeugdzorg in natura (afgerond op 5, onder 10
# afgeschermd). Niet alle SCP-kenmerken hebben een open tegenhanger; `scp.OPEN_DATA_MAPPING` legt vast welke
# wel. De noemer is het aantal 0–24-jarigen: een benadering, omdat er per wijk geen aantal 0–22-jarigen is.

# %%
import pandas as pd  # noqa: E402

mapping = pd.Series(scp.OPEN_DATA_MAPPING, name="open tegenhanger").fillna("— (geen open bron)")
display(pub.statistics(mapping.to_frame(), "open_tegenhangers"))
open_model = scp.fit_open_model(year)
open_summary = open_model.summary_tables()
comparison = pd.DataFrame(
    {
        "SCP 2017 (microdata)": summary["r_squared"],
        f"open data {year}": open_summary["r_squared"],
    }
)
display(pub.statistics(comparison.round(3), "r_kwadraat_vergelijking"))
display(pub.statistics(open_summary["counts"], "aantallen_open_model", units=list(open_summary["counts"])))
