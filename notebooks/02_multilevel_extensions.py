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
from jeugdlib.publication import Publication
from jeugdlib.scp import SCP_DETERMINANTS, fit_scp_model

pub0 = Publication()  # de publicatiegrens: modeluitkomsten en aantallen wijken
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
display(pub0.statistics(divorce.fit_stats, "scheidingen_fit", units=("n_wijken", "n_params")))
print(
    f"LR = {divorce.test.statistic:.2f}, df = {divorce.test.df}, p = {divorce.test.p_value:.4f} "
    f"({divorce.test.reference})"
)
display(pub0.statistics(divorce.variance, "scheidingen_variantie"))
display(pub0.statistics(divorce.flags, "scheidingen_afwijkend", units=("n_wijken", "n_base", "n_extended")))
display(pub0.statistics(divorce.tidy(), "scheidingen_coefficient", units=("n_obs", "n_imputed")))
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
    display(pub0.statistics(divorce.slope_test.to_frame(), "scheidingen_random_slope"))
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
    display(pub0.statistics(by_region.sort_values("p_value").head(10), "scheidingen_per_regio", units=("n_wijken",)))
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
display(pub0.statistics(ams_join.report.to_frame(), "koppeling_amsterdam"))

# %% [markdown]
# Een model binnen één gemeente heeft geen gemeente- of regioniveau. Daarom schatten we het **landelijke**
# driedelige model en voegen de Amsterdamse kenmerken alleen voor Amsterdamse wijken toe (gecentreerd op het
# Amsterdamse gemiddelde, 0 daarbuiten). De LR-toets meet dan of de kenmerken verschillen *tussen Amsterdamse
# wijken* verklaren bovenop de 27 SCP-kenmerken; de variantiecomponenten zijn landelijk en veranderen dus weinig.

# %%
ams = ml.compare_models(scp_ams, SCP_DETERMINANTS, amsterdam_extra, scope="GM0363")
print(f"LR = {ams.test.statistic:.2f}, df = {ams.test.df}, p = {ams.test.p_value:.4f}")
display(pub0.statistics(ams.fit_stats, "amsterdam_fit", units=("n_wijken", "n_params")))
display(pub0.statistics(ams.variance, "amsterdam_variantie"))
ams_flags = ams.flags[ams.flags.scope == "scope"]
display(pub0.statistics(ams_flags, "amsterdam_afwijkend", units=("n_wijken", "n_base", "n_extended")))
display(pub0.statistics(ams.tidy(), "amsterdam_coefficienten", units=("n_obs", "n_imputed")))

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
display(pub0.statistics(dev.summary, "afwijkende_wijken", units=[c for c in dev.summary.columns if c.startswith("n_")]))
display(Markdown(dev.describe()))

# %%
per_gemeente = dev.by_gemeente.pivot_table(index="gemeentenaam", columns="definition", values="n_deviating")
display(pub0.statistics(per_gemeente.reset_index(), "afwijkend_per_gemeente", units=list(per_gemeente.columns)))
fig = dev.plot("abs1.5pp" if "abs1.5pp" in set(dev.summary.definition) else None)
plt.show()

# %% [markdown]
# ### Eigen gegevens over sociale cohesie en veiligheid
#
# Gemeenten met een wijkmonitor of de Veiligheidsmonitor kunnen die cijfers toevoegen. Het bestand (CSV, Excel of
# parquet) heeft per wijk één rij met minstens `wijkcode` (CBS-code van de wijkindeling van dat jaar), `jaar` en
# één of meer kenmerken, bijvoorbeeld:

# %%
display(pub0.statistics(ml.local_wijk_schema(), "schema_lokaal_wijkbestand"))

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
    display(pub0.statistics(local_join.report.to_frame(), "koppeling_lokaal"))
    cols = local_join.report.columns
    extra = [c for c in cols if c != "n_respondenten"]
    local_cmp = ml.compare_models(scp_local, SCP_DETERMINANTS, extra, scope=region)
    print(f"LR = {local_cmp.test.statistic:.2f}, df = {local_cmp.test.df}, p = {local_cmp.test.p_value:.4f}")
    display(pub0.statistics(local_cmp.variance, "lokaal_variantie"))
    local_flags = local_cmp.flags[local_cmp.flags.scope == "scope"]
    display(pub0.statistics(local_flags, "lokaal_afwijkend", units=("n_wijken", "n_base", "n_extended")))
    display(pub0.statistics(local_cmp.tidy(), "lokaal_coefficienten", units=("n_obs", "n_imputed")))

# %% [markdown]
# ## 4. Leefbaarometer: cohesie, veiligheid en voorzieningen voor heel Nederland
#
# De Haaglandse studie (KJH en SCP) vond dat het verwachte gebruik beter te schatten is met (ervaren) sociale
# cohesie en veiligheid, en dat voorzieningen en de fysieke inrichting van de wijk ertoe doen. De Leefbaarometer
# 3.0 (ministerie van BZK, scores 2024, CC0) meet precies die thema's voor elke buurt van Nederland:
# woningvoorraad, fysieke omgeving, voorzieningen, sociale samenhang en overlast en onveiligheid. Per wijk
# nemen we het gewone gemiddelde van de buurtscores (BZK publiceert geen aantallen adressen per buurt).
#
# We voegen de dimensies toe aan het open-datamodel van 2022 (alle wijken van Nederland) en toetsen (a) sociale
# samenhang + onveiligheid, (b) alle vijf en (c) elk afzonderlijk: LR-toets op ML-schattingen, de afname van de
# variantie per niveau en de verandering in het aandeel wijken buiten het 95%-voorspellingsinterval.

# %%
from jeugdlib.data import leefbaarometer_coverage  # noqa: E402
from jeugdlib.multilevel import leefbaarheid as lbm  # noqa: E402
from jeugdlib.multilevel.over_time import deviation_persistence, persistence_text  # noqa: E402
from jeugdlib.publication import Publication  # noqa: E402

pub = Publication()  # modeluitkomsten en aantallen wijken gaan door de publicatiegrens
lbm_data, _ = lbm.leefbaarometer_frame(2022)
from jeugdlib.scp import open_data_frame  # noqa: E402

# dekking van de wijken van het open-datamodel (niet alleen van de wijken met een score)
print(leefbaarometer_coverage("wijk", 2022, codes=open_data_frame(2022)[0].wijkcode).summary())
with warnings.catch_warnings():
    warnings.simplefilter("ignore", JeugdlibWarning)
    lbm_tests = lbm.leefbaarometer_tests(2022)
display(
    pub.statistics(lbm_tests.table.drop(columns="variables").round(4), "leefbaarometer_toetsen", units=("n_wijken",))
)
display(Markdown(lbm.national_text(lbm_tests)))

# %% [markdown]
# **Lezen.** `reduction_*` is het deel van de variantie op dat niveau dat de dimensies verklaren (negatief: de
# variantie nam toe); `deviating_*` is het aandeel wijken buiten het 95%-voorspellingsinterval zonder en met de
# dimensies. De losse toetsen (c) zijn niet gecorrigeerd voor meervoudig toetsen.
#
# **Voorbehoud.** De Leefbaarometer is een modelschatting: BZK voorspelt de scores uit registergegevens (woningen,
# inkomen, herkomst, voorzieningen, criminaliteit) die deels dezelfde zijn als de SCP-kenmerken. Wat de scores
# toevoegen, is daarom minder dan wat een enquête naar *ervaren* cohesie en veiligheid (de maten van de KJH-studie)
# zou kunnen toevoegen. Een kleine of niet-significante bijdrage hier weerlegt de Haaglandse bevinding niet.

# %% [markdown]
# **Per jeugdregio**, zoals de Haaglandse studie voor één regio deed: sociale samenhang + onveiligheid binnen
# elke regio (gecentreerd op het regiogemiddelde), met Holm-correctie voor 42 toetsen.

# %%
if per_region:
    from jeugdlib.data import regions  # noqa: E402

    names = regions(2022).set_index("jeugdregio_code").jeugdregio_naam
    for set_name in ("sociale samenhang + onveiligheid", "alle vijf"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", JeugdlibWarning)
            lbm_regions = lbm.leefbaarometer_by_region(2022, variables=lbm.SETS[set_name]).table
        lbm_regions.insert(1, "jeugdregio_naam", lbm_regions.jeugdregio_code.map(names))
        cols = ["jeugdregio_code", "jeugdregio_naam", "n_wijken", "lr_statistic", "df", "p_value", "p_holm"]
        top = lbm_regions[cols].sort_values("p_value").head(10).round(4)
        display(Markdown(f"**{set_name}**, per jeugdregio (de tien kleinste p-waarden):"))
        display(pub.statistics(top, f"leefbaarometer_per_regio_{len(lbm.SETS[set_name])}", units=("n_wijken",)))
        p_jz24 = lbm_regions.set_index("jeugdregio_code").p_value.get("JZ24", float("nan"))
        print(
            f"Regio's met p < 0,05: {(lbm_regions.p_value < 0.05).sum()} van {len(lbm_regions)}; "
            f"na Holm-correctie: {(lbm_regions.p_holm < 0.05).sum()}; "
            f"Haaglanden (JZ24): p = {p_jz24:.3f}".replace(".", ",")
        )

# %% [markdown]
# ## 5. Haaglanden door de jaren: bleven afwijkende wijken afwijken?
#
# De ELAN-wijkprofielen van het LUMC (*ELAN/LUMC op basis van CBS-microdata*) geven het aandeel inwoners met
# jeugdhulp per gemeente en jaar (2015–2022) voor 22 gemeenten rond Den Haag en Leiden, en per wijk voor Den Haag,
# Leidschendam-Voorburg, Rijswijk en Wassenaar. Het zijn cijfers van een derde partij, berekend uit microdata van
# het CBS; we nemen ze over zoals gepubliceerd. Ze meten iets anders dan het SCP (alle inwoners, alle
# jeugdhulp), dus vergelijken we posities: het aandeel van de wijk gedeeld door dat van haar gemeente in hetzelfde
# jaar.

# %%
from jeugdlib.report_sections import elan_trend, elan_trend_text  # noqa: E402

trend = elan_trend()
display(pub.statistics(trend.round(2), "elan_trend_gemeenten"))
display(Markdown(elan_trend_text(trend) + " Bron: ELAN/LUMC op basis van CBS-microdata."))

# %%
persist = deviation_persistence()
# per wijk: het SCP-verschil van 2017 en de relatieve positie in elk jaar (1 = het niveau van de gemeente)
display(pub.statistics(persist.wijken.round(3), "elan_wijken"))
display(pub.statistics(persist.groups.round(3), "elan_positie_per_groep", units=("wijken",)))
display(pub.statistics(persist.correlation.round(3), "elan_rangcorrelatie", units=("wijken",)))
display(Markdown(persistence_text(persist) + " Bron wijkcijfers: ELAN/LUMC op basis van CBS-microdata; SCP 2017."))
