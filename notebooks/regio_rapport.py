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

# %% tags=["parameters"]
region = "Haaglanden"  # jeugdregio: code (JZ24) of naam
year = 2022  # jaar van de open wijkdata (2021 of 2022)
models_path = None  # landelijke modellen, door render_all één keer per batch geschat
tables_dir = "tabellen"  # hier komen de gepubliceerde tabellen (CSV)
local_data_path = None  # optioneel: wijkbestand met sociale cohesie / veiligheid
policy_path = None  # optioneel: beleidstabel (gemeentecode, jaar wijkteam/POH)
trajectories_path = None  # optioneel: trajecten (iJw)
claims_path = None  # optioneel: declaraties (iJw)

# %%
import warnings
from datetime import UTC, datetime

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

import jeugdlib
from jeugdlib import formatting as F
from jeugdlib import reports
from jeugdlib.plots import figure_html, svgmap
from jeugdlib.plots import scp as scp_plots
from jeugdlib.publication import Publication
from jeugdlib.report_sections import regional as R
from jeugdlib.report_sections import story

warnings.filterwarnings("ignore")
plt.rcParams["figure.dpi"] = 90
models = reports.NationalModels.load(models_path) if models_path else reports.fit_national_models(year)
# the publication boundary: every table below is protected, audited and registered here
pub = Publication(tables_dir)
overview = reports.region_overview(region, year, pub=pub)
open_section = reports.region_open_model(models, region, pub=pub)
totals = R.totals_section(overview, open_section, pub=pub)
reg = overview["region"]
open_tab = open_section["table"]
cbs_national = R.cbs_national_indicators()["perc_jeugdhulp_in_natura"]
display(Markdown(f"# Jeugdhulp in de wijk — {reg.jeugdregio_naam} ({reg.jeugdregio_code})"))

# %% [markdown]
# ## In het kort

# %%
summary = story.executive_summary(
    reg.jeugdregio_naam, models.year, overview["region_share"], overview["national_share"], open_tab
)
display(Markdown(" ".join(summary)))
measures = R.region_measures(overview, year)
display(Markdown(story.measures_box(measures)))

# %% [markdown]
# Dit rapport beschrijft het gebruik van jeugdzorg in de wijken van deze jeugdzorgregio en vergelijkt het
# met wat op grond van de kenmerken van de wijken te verwachten is. Het volgt de methode van het Sociaal en
# Cultureel Planbureau (*Jeugdhulp in de wijk*, 2020): een multilevelmodel waarin wijken binnen gemeenten en
# jeugdzorgregio's liggen.
#
# **Lees dit eerst.** Een groot verschil tussen waargenomen en verwacht gebruik is **geen oordeel** over goed
# of slecht beleid. Het betekent dat de wijk kenmerken heeft die het model niet kent; het is een reden om met
# lokale partners beter te kijken. Het model voorspelt niets voor latere jaren.

# %% [markdown]
# ## 1. De regio in het kort

# %%
tab = overview["table"]
n_gem, n_wijk = overview["n_gemeenten"], overview["n_wijken"]
display(
    Markdown(
        f"{reg.jeugdregio_naam} telt {F.plural(n_gem, 'gemeente', 'gemeenten')} en "
        f"{F.plural(n_wijk, 'wijk', 'wijken')} ({year}). Van de jongeren van 0–24 jaar kreeg in de regio "
        f"{F.percent(overview['region_share'])} jeugdzorg in natura, tegen {F.percent(overview['national_share'])} "
        "in heel Nederland. (De noemer is een benadering: CBS publiceert per wijk geen aantal 0–22-jarigen, dus "
        "delen we door het aantal 0–24-jarigen.)"
    )
)
display(HTML(reports.to_html(tab)))
display(Markdown(f"### {reports.safe_markdown(totals['title'])}"))
display(Markdown(reports.safe_markdown(totals["text"])))
for t in totals["tables"]:
    display(HTML(reports.to_html(story.reconcile_display(t))))

# %% [markdown]
# ## 2. Verwacht en waargenomen gebruik per wijk (open data)
#
# Het model van het SCP, geschat op de open CBS-wijkdata van heel Nederland met de beschikbare open
# kenmerken (welke dat zijn staat in notebook 01, `jeugdlib.scp.OPEN_DATA_MAPPING`). Uitkomst: jongeren met
# jeugdzorg als percentage van de 0–24-jarigen. Per wijk: het waargenomen en het verwachte gebruik, het
# verschil met zijn 95%-interval en een categorie: *buiten het 95%-interval* (vrij zeker een echt verschil),
# *buiten het 80%-interval* (waarschijnlijk), *verschil ≥ 1,5 procentpunt* (de maat van de Haaglandse studie,
# maar binnen de onzekerheid van het model) of *binnen de verwachting*.
# Aantallen onder 10 jongeren publiceren we niet, en jeugdlib laat daarnaast aantallen weg die anders uit een
# gemeentetotaal terug te rekenen zouden zijn. Van zulke afgeschermde wijken tonen we alleen het verwachte
# gebruik.

# %%
if open_section["n_observed"] == 0:
    display(Markdown("In deze regio zijn alle wijkcijfers afgeschermd; er valt per wijk niets te vergelijken."))
else:
    geo = reports.region_map_frame(open_section)
    # interactive maps (inline SVG: hover a wijk for its figures), with legend, numbered key and what is missing
    display(HTML(svgmap.region_maps_html(geo, region_name=reg.jeugdregio_naam, note=geo.attrs.get("note", ""))))
    display(Markdown(story.interval_width_text(open_section["interval_width"])))
    if story.negative_expected_text(open_tab):
        display(Markdown(reports.safe_markdown(story.negative_expected_text(open_tab))))
    display(Markdown(story.deviation_text(open_tab)))
    watch = story.wijken_to_watch(open_tab, n=10)
    display(Markdown("### Wijken om naar te kijken"))
    display(
        Markdown(
            f"De {F.plural(len(watch), 'wijk', 'wijken')} met het grootste verschil ten opzichte van de onzekerheid "
            "(het verschil gedeeld door de afstand van de verwachting tot de grens van het 95%-interval), "
            "grootste eerst. " + story.CAVEAT
        )
    )
    display(HTML(reports.to_html(story.deviation_display(watch))))
    display(Markdown("### Alle wijken"))
    display(HTML(reports.to_html(story.deviation_display(open_tab))))

# %% [markdown]
# ## 3. De resultaten van het SCP voor 2017
#
# Het SCP publiceerde voor elke wijk het waargenomen en het verwachte gebruik van jeugdhulp zonder verblijf in
# 2017 (wijkgrenzen 2017). jeugdlib schat hetzelfde model opnieuw; de kolom *Verwacht jeugdlib* laat zien hoe
# dicht die schatting bij het SCP ligt. Wijken en gemeenten zijn die van 2017; een gemeente die nog bestaat
# heeft haar naam van 2022, een gemeente die na 2017 is samengevoegd haar naam van 2017.

# %%
scp_section = reports.region_scp_2017(models, region, pub=pub)
fc = scp_section["flag_counts"]
display(
    Markdown(
        f"{F.plural(scp_section['n_wijken'], 'wijk', 'wijken')}, waarvan {F.count(scp_section['n_observed'])} "
        "met een waarneming; "
        f"{F.count(fc.get('hoger', 0))} met een hoger en {F.count(fc.get('lager', 0))} met een lager gebruik dan "
        f"verwacht (buiten het 95%-interval). Het regio-effect is {F.points(scp_section['region_effect'], 1)}."
    )
)
display(HTML(reports.to_html(scp_section["table"])))

# %%
fig = scp_plots.caterpillar(
    models.scp_2017, "gemeente", codes=scp_section["gemeente_codes"], names=scp_section["gemeente_names"]
)
effects = scp_section["gemeente_effects"]
display(
    HTML(
        figure_html(
            fig,
            alt=story.effects_alt_text(effects, reg.jeugdregio_naam),
            caption="De gemeente-effecten (met 95%-interval) tonen hoeveel hoger of lager het gebruik in een gemeente "
            "is dan in wijken met dezelfde kenmerken elders in de regio.",
        )
    )
)

# %%
deviations_2017 = reports.deviation_section(region, models, pub=pub)
display(Markdown(f"### {reports.safe_markdown(deviations_2017['title'])}"))
display(Markdown(reports.safe_markdown(deviations_2017["text"])))
for t in deviations_2017["tables"]:
    display(HTML(reports.to_html(t)))

# %% [markdown]
# ## 4. De gemeenten in het landelijke beeld (CBS 2022, voorlopig)

# %%
ind = reports.region_indicators(region, pub=pub)
display(
    Markdown(
        "De indicatoren van het CBS (85098NED) per gemeente, met de landelijke cijfers van het CBS zelf. Let op: "
        f"dit is een andere maat dan in §1 (zie *Welke cijfers?*); landelijk {F.percent(cbs_national)} jeugdhulp in "
        f"natura, tegen {F.percent(overview['national_share'])} jeugdzorg per inwoner van 0–24 jaar in §1."
    )
)
display(HTML(reports.to_html(ind["table"])))

# %% [markdown]
# ## 5. Leefbaarheid en ontwikkeling

# %%
for section in [
    reports.leefbaarheid_section(region, models, open_section, pub=pub),
    reports.elan_trend_section(region, pub=pub),
]:
    if section is None:
        continue
    display(Markdown(f"### {reports.safe_markdown(section['title'])}"))
    display(Markdown(reports.safe_markdown(section["text"])))
    for t in section.get("tables", []):
        display(HTML(reports.to_html(t, decimals=section.get("decimals", 1))))

# %% [markdown]
# ## 6. Lokale gegevens

# %%
for section in reports.optional_sections(
    region,
    models,
    local_data_path=local_data_path,
    policy_path=policy_path,
    trajectories_path=trajectories_path,
    claims_path=claims_path,
    pub=pub,
):
    display(Markdown(f"### {reports.safe_markdown(section['title'])}"))
    display(Markdown(reports.safe_markdown(section["text"])))
    for t in section.get("tables", []):
        display(HTML(reports.to_html(t)))
    for f in section.get("figures", []):
        display(
            HTML(figure_html(f, alt=f"Figuur bij {section['title']}: " + (f.get_suptitle() or "zie de tabel erboven")))
        )

# %% [markdown]
# ## Bronnen en verantwoording
#
# - SCP, *Jeugdhulp in de wijk* (SCP-publicatie 2020-1), wijkbestand 2017 — wijkgrenzen 2017.
# - CBS, Kerncijfers wijken en buurten en Jeugdzorg; wijken (85039NED/85318NED, 85075NED/85335NED),
#   Jeugdzorg; indicatoren (85098NED, 2022 voorlopig); wijk- en buurtkaart 2022. Licentie CC BY 4.0, bron: CBS.
# - Indeling in jeugdzorgregio's: CBS/PDOK gebiedsindelingen.
# - Leefbaarometer 3.0, ministerie van BZK, scores 2024 per buurt (CC0); per wijk het gewone gemiddelde van de
#   buurtscores.
# - Haaglanden door de jaren: ELAN/LUMC op basis van CBS-microdata (wijkprofielen, 2015–2022), zoals gepubliceerd.
# - Afscherming: aantallen zijn afgerond op veelvouden van 5; aantallen onder 10 en de percentages die daarop
#   berusten zijn weggelaten (–), ook waar ze uit een totaal terug te rekenen zouden zijn. Elke tabel is daarna
#   gecontroleerd met een intervalcontrole (zoals τ-ARGUS): geen afgeschermd aantal is uit de gepubliceerde
#   aantallen, totalen en afrondingen terug te rekenen. Percentages zijn berekend op de afgeronde aantallen.
# - Aantallen wijken (bijvoorbeeld "hoeveel wijken wijken af") zijn geen aantallen personen en worden niet
#   afgeschermd.

# %%
pub.write_register()
display(
    Markdown(
        f"Gemaakt met jeugdlib {jeugdlib.__version__} op "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; open wijkdata {models.year}."
    )
)
