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
# # Uitbreidingen van het SCP-model: extra wijkkenmerken toetsen
#
# Het SCP-model (*Jeugdhulp in de wijk*, 2020) verklaart het aandeel jongeren met jeugdhulp zonder verblijf per
# wijk (2017) uit 27 wijkkenmerken, met wijken binnen gemeenten binnen jeugdzorgregio's. Het Kennisnetwerk Jeugd
# Haaglanden (2020) nam het model over en vond dat in bijna 40% van de wijken het gebruik duidelijk hoger of lager
# was dan verwacht, en dat (ervaren) sociale cohesie, veiligheid en voorzieningen het verwachte gebruik beter
# verklaren. Dit notebook laat zien hoe je zulke extra kenmerken toetst met `jeugdlib.multilevel`:
#
# 1. **Scheidingen**: voegt SCP's `perc_kind_sch5` (kinderen met een scheiding van de ouders in de afgelopen vijf
#    jaar) iets toe aan het model zonder die variabele — landelijk en per regio?
# 2. **Amsterdam 2017**: criminaliteit, afstand tot voorzieningen en het aandeel gescheiden inwoners uit de echte
#    CBS-kerncijfers wijken en buurten 2017 van Amsterdam, getoetst binnen Amsterdam.
# 3. **Haaglanden**: hoeveel wijken wijken af, in welke gemeenten, en wat een gebruiker met eigen cijfers over
#    cohesie en veiligheid kan draaien.
#
# **Werkwijze van de toets.** Beide modellen (met en zonder de extra kenmerken) worden met *maximum likelihood*
# geschat (ML, niet REML: REML-likelihoods van modellen met verschillende vaste effecten zijn niet vergelijkbaar),
# op precies dezelfde wijken. Ontbrekende waarden van een extra kenmerk worden aangevuld zoals de SCP-kenmerken
# (gemiddelde van de gemeente, anders van de regio, anders landelijk). De likelihood-ratiotoets (LR) vergelijkt de
# modellen; daarnaast AIC/BIC, de afname van de variantie per niveau (regio, gemeente, wijk), de verandering in het
# aandeel wijken dat hoger/lager dan verwacht uitkomt, en de coëfficiënten met betrouwbaarheidsintervallen.
#
# **Voorbehoud (SCP).** Een groot verschil tussen waargenomen en verwacht gebruik is geen oordeel over goed of
# slecht beleid: het zegt dat de wijk kenmerken heeft die het model niet kent, en is aanleiding om met lokale
# partners beter te kijken. Het model van 2017 is geen voorspelling voor latere jaren.

# %% tags=["parameters"]
region = "JZ24"  # jeugdregio voor deel 3 (code of naam), grenzen van 2017
random_slope = "perc_kind_sch5"  # kenmerk waarvan het effect per jeugdregio mag verschillen (of None)
per_region = True  # deel 1: toets de scheidingsvariabele ook binnen elke regio afzonderlijk (± 20 s)
intervals = (0.95, 0.80)  # voorspellingsintervallen voor 'duidelijk afwijkend'
thresholds = (1.0, 1.5, 2.0)  # absolute drempels in procentpunten
local_data_path = None  # eigen wijkbestand met sociale cohesie / veiligheid (schema: LOCAL_WIJK_SCHEMA)
local_columns = None  # kolommen uit dat bestand om te toetsen; None = alle variabelen in het bestand

# %%
import warnings

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from jeugdlib import JeugdlibWarning
from jeugdlib import multilevel as ml
from jeugdlib.data import load_kwb_amsterdam_2017, load_scp_2017
from jeugdlib.scp import SCP_DETERMINANTS, fit_scp_model

plt.rcParams["figure.dpi"] = 90
scp = load_scp_2017()
print(f"SCP 2017: {len(scp)} wijken, {scp.perc_jhzv.notna().sum()} met een gepubliceerd aandeel jeugdhulp")

# %% [markdown]
# ## 1. Scheidingen: voegt `perc_kind_sch5` iets toe?
#
# Het basismodel bevat de 26 andere SCP-kenmerken; het uitgebreide model voegt `perc_kind_sch5` toe. Voor 663
# wijken ontbreekt de variabele in het openbare bestand; die waarden worden aangevuld zoals hierboven beschreven.

# %%
divorce = ml.compare_models(
    scp, [p for p in SCP_DETERMINANTS if p != "perc_kind_sch5"], ["perc_kind_sch5"], random_slope=random_slope
)
display(divorce.fit_stats)
print(
    f"LR = {divorce.test.statistic:.2f}, df = {divorce.test.df}, p = {divorce.test.p_value:.4f} "
    f"({divorce.test.reference})"
)
display(divorce.variance)
display(divorce.flags)
display(divorce.tidy())
for note in divorce.notes:
    print("-", note)

# %% [markdown]
# `proportional_reduction` is het deel van de variantie op dat niveau dat de extra variabele verklaart (negatief:
# de variantie nam toe). `tidy()` geeft de coëfficiënt in de standaardkolommen van jeugdlib (`estimate`,
# `std_error`, ... per standaarddeviatie van de variabele, de schaal van het model); `estimate_per_unit` is de
# verandering in procentpunten jeugdhulpgebruik per procentpunt kinderen met gescheiden ouders, gegeven de andere
# 26 kenmerken.
#
# **Verschilt het effect per regio?** Met een *random slope* mag het effect per jeugdregio verschillen. De toets
# daarvan ligt op de rand van de parameterruimte (een variantie kan niet negatief zijn), dus de LR-statistiek volgt
# een 50:50-mengsel van chi²(1) en chi²(2); de p-waarde hieronder gebruikt dat mengsel (de gewone chi²(2)-p-waarde
# is te conservatief en staat ernaast).

# %%
if divorce.slope_test is not None:
    display(divorce.slope_test.to_frame())
    fig = divorce.slope_test.plot()
    plt.show()

# %% [markdown]
# Per regio afzonderlijk: binnen elke regio wordt de variabele gecentreerd op het regiogemiddelde en buiten de
# regio op 0 gezet, in het landelijke model. Zo toetst elke rij of scheidingen verschillen *tussen wijken binnen*
# die regio verklaren; de p-waarden zijn ook Holm-gecorrigeerd voor 42 toetsen.

# %%
if per_region:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JeugdlibWarning)
        by_region = ml.compare_by_region(
            scp, [p for p in SCP_DETERMINANTS if p != "perc_kind_sch5"], ["perc_kind_sch5"]
        ).table
    names = scp.drop_duplicates("jeugdregio_code").set_index("jeugdregio_code").jeugdregio_naam
    by_region.insert(1, "jeugdregio_naam", by_region.jeugdregio_code.map(names))
    display(by_region.sort_values("p_value").head(10))
    print(
        f"Regio's met p < 0,05: {(by_region.p_value < 0.05).sum()} van {len(by_region)}; "
        f"na Holm-correctie: {(by_region.p_holm < 0.05).sum()}"
    )

# %% [markdown]
# ## 2. Amsterdam 2017: veiligheid, voorzieningen en scheidingen uit de CBS-kerncijfers
#
# Het echte KWB-bestand 2017 van Amsterdam levert `criminaliteit_per_1000` (diefstal, vernieling en geweld per
# 1.000 inwoners: een benadering van veiligheid), `afstand_huisarts`, `afstand_school` en
# `afstand_kinderdagverblijf` (voorzieningen) en `perc_gescheiden`. De koppeling met de SCP-wijken controleert
# codes en grensjaar en laat geen rij vallen.

# %%
amsterdam_extra = [
    "criminaliteit_per_1000",
    "afstand_huisarts",
    "afstand_school",
    "afstand_kinderdagverblijf",
    "perc_gescheiden",
]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", JeugdlibWarning)
    ams_join = ml.join_wijk_variables(scp, load_kwb_amsterdam_2017(), columns=amsterdam_extra)
for w in caught:
    print("Waarschuwing:", w.message)
scp_ams = ams_join.data
display(ams_join.report.to_frame())

# %% [markdown]
# Een model binnen één gemeente heeft geen gemeente- of regioniveau. Daarom schatten we het **landelijke**
# driedelige model en voegen de Amsterdamse kenmerken alleen voor Amsterdamse wijken toe (gecentreerd op het
# Amsterdamse gemiddelde, 0 daarbuiten). De LR-toets meet dan of de kenmerken verschillen *tussen Amsterdamse
# wijken* verklaren bovenop de 27 SCP-kenmerken; de variantiecomponenten zijn landelijk en veranderen dus weinig.

# %%
ams = ml.compare_models(scp_ams, SCP_DETERMINANTS, amsterdam_extra, scope="GM0363")
print(f"LR = {ams.test.statistic:.2f}, df = {ams.test.df}, p = {ams.test.p_value:.4f}")
display(ams.fit_stats)
display(ams.variance)
display(ams.flags[ams.flags.scope == "scope"])
display(ams.coefficients)

# %%
fig = ams.plot(title="Amsterdam-uitbreiding: variantiecomponenten (landelijk model)")
plt.show()

# %% [markdown]
# ## 3. Haaglanden: hoeveel wijken wijken af?
#
# Het Haagse onderzoek publiceerde niet precies wanneer een wijk "duidelijk" afwijkt. We tonen daarom meerdere
# definities: buiten het voorspellingsinterval van het model (dat houdt rekening met de onzekerheid van de
# schatting en met de normale spreiding tussen wijken) en een absoluut verschil van minstens 1, 1,5 of 2
# procentpunten. Wijken zonder gepubliceerd aandeel (minder dan 10 gebruikers) tellen niet mee. Het gaat om
# aantallen wijken, niet om personen; voor rapporten gaan de aantallen door de onthullingsregels
# (`for_report=True`).

# %%
model = fit_scp_model(scp)
dev = ml.deviation_share(model, region, intervals=intervals, thresholds=thresholds)
display(dev.summary)
display(Markdown(dev.describe()))

# %%
display(dev.by_gemeente.pivot_table(index="gemeentenaam", columns="definition", values="n_deviating"))
fig = dev.plot("abs1.5pp" if "abs1.5pp" in set(dev.summary.definition) else None)
plt.show()

# %% [markdown]
# ### Eigen gegevens over sociale cohesie en veiligheid
#
# Gemeenten met een wijkmonitor of de Veiligheidsmonitor kunnen die cijfers toevoegen. Het bestand (CSV, Excel of
# parquet) heeft per wijk één rij met minstens `wijkcode` (CBS-code van de wijkindeling van dat jaar), `jaar` en
# één of meer kenmerken, bijvoorbeeld:

# %%
display(ml.local_wijk_schema())

# %% [markdown]
# Geef het pad op als parameter `local_data_path` (bijvoorbeeld met papermill: `-p local_data_path
# wijkmonitor_2017.csv`). De codes moeten van de wijkindeling van 2017 zijn, zoals het SCP-bestand. jeugdlib
# bevat géén cijfers over cohesie of veiligheid en verzint ze niet; zonder bestand wordt dit deel overgeslagen.

# %%
if local_data_path is None:
    display(Markdown("*Geen lokaal wijkbestand opgegeven (`local_data_path = None`): dit deel is overgeslagen.*"))
else:
    local = ml.load_local_wijk_data(local_data_path)
    local_join = ml.join_wijk_variables(scp, local, columns=local_columns)
    scp_local = local_join.data
    display(local_join.report.to_frame())
    cols = local_join.report.columns
    extra = [c for c in cols if c != "n_respondenten"]
    local_cmp = ml.compare_models(scp_local, SCP_DETERMINANTS, extra, scope=region)
    print(f"LR = {local_cmp.test.statistic:.2f}, df = {local_cmp.test.df}, p = {local_cmp.test.p_value:.4f}")
    display(local_cmp.variance)
    display(local_cmp.flags[local_cmp.flags.scope == "scope"])
    display(local_cmp.coefficients)
