<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="fr">
    <context>
        <name>SarChange</name>
        <message>
            <location filename="../plugin/dependencies_dialog.py" line="18" />
            <source>installed</source>
            <translation>installé</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies_dialog.py" line="18" />
            <source>missing</source>
            <translation>manquant</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies_dialog.py" line="23" />
            <source>&lt;p&gt;Packages are installed with pip into {folder}, with numpy pinned to the version QGIS uses. Restart QGIS after installing.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Les paquets sont installés avec pip dans {folder}, avec numpy fixé à la version qu'utilise QGIS. Redémarrez QGIS après l'installation.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies_dialog.py" line="33" />
            <source>SAR Change: optional Python packages</source>
            <translation>SAR Change : paquets Python optionnels</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies_dialog.py" line="37" />
            <source>Some algorithms need these packages in the Python that runs QGIS:</source>
            <translation>Certains algorithmes ont besoin de ces paquets dans le Python qui exécute QGIS :</translation>
        </message>
        <message>
            <location filename="../plugin/dependencies_dialog.py" line="41" />
            <source>Install missing packages…</source>
            <translation>Installer les paquets manquants…</translation>
        </message>
        <message>
            <location filename="../processing/provider.py" line="48" />
            <source>SAR Change</source>
            <translation>SAR Change</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="32" />
            <source>Speckle filter…</source>
            <translation>Filtre de chatoiement…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="33" />
            <source>Estimate ENL…</source>
            <translation>Estimer l'ENL…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="34" />
            <source>Terrain geometry (layer as DEM)…</source>
            <translation>Géométrie du terrain (couche comme MNT)…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="36" />
            <source>Learned difference image (layer as target)…</source>
            <translation>Image de différence apprise (couche comme cible)…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="38" />
            <source>Change detection (two dates)…</source>
            <translation>Détection de changements (deux dates)…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="39" />
            <source>Unsupervised change detection (two dates)…</source>
            <translation>Détection de changements non supervisée (deux dates)…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="41" />
            <source>Coherence from intensity (two dates)…</source>
            <translation>Cohérence à partir de l'intensité (deux dates)…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="43" />
            <source>Segment (water, ice, land cover)…</source>
            <translation>Segmenter (eau, glace, occupation du sol)…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="44" />
            <source>SAR to optical…</source>
            <translation>SAR vers optique…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="128" />
            <source>Install optional Python packages…</source>
            <translation>Installer les paquets Python optionnels…</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="139" />
            <source>SAR Change algorithms</source>
            <translation>Algorithmes SAR Change</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="216" />
            <source>Optional Python packages missing: {names}. Some algorithms are unavailable until they are installed.</source>
            <translation>Paquets Python optionnels manquants : {names}. Certains algorithmes restent indisponibles tant qu'ils ne sont pas installés.</translation>
        </message>
        <message>
            <location filename="../plugin/sar_change_plugin.py" line="219" />
            <source>Install…</source>
            <translation>Installer…</translation>
        </message>
        <message>
            <location filename="../processing/provider.py" line="51" />
            <source>SAR Change: SAR speckle filtering and change detection</source>
            <translation>SAR Change : filtrage du chatoiement SAR et détection de changements</translation>
        </message>
        <message>
            <location filename="../processing/provider_settings.py" line="75" />
            <source>Python with PyTorch for training (empty: python3 beside QGIS's Python)</source>
            <translation>Python avec PyTorch pour l'entraînement (vide : python3 à côté du Python de QGIS)</translation>
        </message>
        <message>
            <location filename="../processing/provider_settings.py" line="77" />
            <source>Worker threads per algorithm</source>
            <translation>Fils d'exécution par algorithme</translation>
        </message>
        <message>
            <location filename="../processing/provider_settings.py" line="78" />
            <source>Tile size of the block engine (pixels)</source>
            <translation>Taille des tuiles du moteur par blocs (pixels)</translation>
        </message>
        <message>
            <location filename="../processing/provider_settings.py" line="79" />
            <source>Folder of the optional Python packages (empty: in the QGIS profile)</source>
            <translation>Dossier des paquets Python optionnels (vide : dans le profil QGIS)</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="21" />
            <source>Two-date change map (speckle filter, log-ratio, threshold)</source>
            <translation>Carte des changements à deux dates (filtre de chatoiement, log-rapport, seuil)</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="22" />
            <source>Two-date flood / change map with evaluation</source>
            <translation>Carte des inondations / changements à deux dates avec évaluation</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="23" />
            <source>Coregister, then two-date change map</source>
            <translation>Recalage, puis carte des changements à deux dates</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="24" />
            <source>Learned-DI change map</source>
            <translation>Carte des changements par DI apprise</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="31" />
            <source>&lt;p&gt;Two-date change map: both dates are speckle-filtered (the chosen filter, 7x7, the given number of looks), compared by their log ratio 10 log10(later / earlier) in dB, and the log ratio is thresholded by Kittler-Illingworth into a change mask (1 change, 0 no change, 255 no data). Change direction: decrease for floods and clear-cuts (the later image is darker), increase for new buildings, two-sided for any change. Both images must be on the same grid (otherwise use the coregistration model).&lt;/p&gt;</source>
            <translation>&lt;p&gt;Carte des changements à deux dates : le chatoiement des deux dates est filtré (le filtre choisi, 7x7, le nombre de vues donné), elles sont comparées par leur log-rapport 10 log10(postérieure / antérieure) en dB, et le log-rapport est seuillé par Kittler-Illingworth en un masque de changement (1 changement, 0 pas de changement, 255 sans donnée). Sens du changement : baisse pour les inondations et les coupes rases (l'image postérieure est plus sombre), hausse pour les nouveaux bâtiments, bilatéral pour tout changement. Les deux images doivent être sur la même grille (sinon utilisez le modèle avec recalage).&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="38" />
            <source>&lt;p&gt;The two-date change map (speckle filter, log ratio, Kittler-Illingworth threshold) and its evaluation against a reference change mask on the same grid (0 unchanged, 1 changed): kappa, F1, overall accuracy and the ROC curve of the log ratio, in an HTML report.&lt;/p&gt;</source>
            <translation>&lt;p&gt;La carte des changements à deux dates (filtre de chatoiement, log-rapport, seuil de Kittler-Illingworth) et son évaluation face à un masque de changement de référence sur la même grille (0 inchangé, 1 changé) : kappa, F1, exactitude globale et courbe ROC du log-rapport, dans un rapport HTML.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="42" />
            <source>&lt;p&gt;Coregisters the later image onto the earlier one (sub-pixel phase correlation, translation model, bilinear resampling), then makes the two-date change map (speckle filter, log ratio, Kittler-Illingworth threshold) on the earlier image's grid.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Recale l'image postérieure sur l'image antérieure (corrélation de phase sous-pixellaire, modèle de translation, rééchantillonnage bilinéaire), puis calcule la carte des changements à deux dates (filtre de chatoiement, log-rapport, seuil de Kittler-Illingworth) sur la grille de l'image antérieure.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="46" />
            <source>&lt;p&gt;Learned difference image of the newest (or chosen) acquisition of a stack, from its acquisitions table and the shipped (or given) ONNX model, thresholded into a change mask by Kittler-Illingworth on the learned DI norm (change where the norm is high). Needs onnxruntime.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Image de différence apprise de l'acquisition la plus récente (ou choisie) d'une pile, à partir de sa table des acquisitions et du modèle ONNX fourni (ou donné), seuillée en un masque de changement par Kittler-Illingworth sur la norme de la DI apprise (changement là où la norme est élevée). Demande onnxruntime.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/shipped_models.py" line="80" />
            <source>Models</source>
            <translation>Modèles</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_common.py" line="20" />
            <source>Input layer '{b}' is not on the grid of '{a}' ({problem}): the two images must share size, pixel grid and CRS; coregister them first (sarchange:coregister for detected images)</source>
            <translation>La couche d'entrée '{b}' n'est pas sur la grille de '{a}' ({problem}) : les deux images doivent avoir la même taille, la même grille de pixels et le même SCR ; coregistrez-les d'abord (sarchange:coregister pour des images détectées)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_common.py" line="29" />
            <source>{what} must be odd and &gt;= 1, e.g. 5 (got {v})</source>
            <translation>{what} doit être impair et &gt;= 1, par ex. 5 (reçu {v})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="266" />
            <source>Cancelled: no output was written.</source>
            <translation>Annulé : aucune sortie n'a été écrite.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_common.py" line="58" />
            <source>No valid coherence from '{a}' and '{b}': every window is no data, NaN or zero power. Check the no-data values, that the images hold data and that they cover the same area</source>
            <translation>Aucune cohérence valide à partir de '{a}' et '{b}' : chaque fenêtre est sans données, NaN ou de puissance nulle. Vérifiez les valeurs de non-données, que les images contiennent des données et qu'elles couvrent la même zone</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="281" />
            <source>{n} valid pixels written</source>
            <translation>{n} pixels valides écrits</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="48" />
            <source>&lt;p&gt;Interferometric coherence magnitude (0 to 1) estimated from two co-registered &lt;i&gt;detected&lt;/i&gt; images (GRD intensities, no phase) of the same polarisation and orbit.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Learned model&lt;/b&gt; (default): a Residual U-Net (after Sica, Pulella &amp;amp; Schmitt, "Beyond Backscatter: InSAR coherence from detected SAR images") predicts the coherence that a boxcar estimate on the complex pair would give, and its uncertainty sigma (the standard deviation of a Gaussian likelihood, same units), from the two images in dB. Default model: the one shipped with the plugin (trained on simulated Sentinel-1 12-day VV pairs of 4-look images; see models/coherence.md); give your own from &lt;i&gt;Train coherence model&lt;/i&gt;. The window and looks parameters are not used by the model.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Intensity correlation&lt;/b&gt;: for circular-Gaussian speckle the correlation coefficient of the two intensities equals |gamma|^2 (Siegert relation; Catelli, Monti Guarnieri &amp;amp; Prati 1996), so the output is sqrt(max(rho, 0)) with rho estimated over a moving window:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;correlation from the window&lt;/b&gt;: the sample correlation coefficient (no look number needed);&lt;/li&gt;&lt;li&gt;&lt;b&gt;normalised by the number of looks&lt;/b&gt;: rho = L (R - 1) / (1 - R / N) with R = mean(I1 I2) / (mean I1 mean I2) over the N window pixels and L the looks of the images (the term R / N corrects the window bias).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The estimate is noisy (std of rho about 1/sqrt(N)) and biased high at low coherence, and texture or a brightness change inside a window reads as coherence: use large windows on homogeneous areas. Output: float32 GeoTIFF on the input grid, NaN where a window holds no valid pixel or no variance. When loaded, it is drawn with a fixed 0 (decorrelated) to 1 (coherent) colour ramp.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Earlier image&lt;/b&gt;, &lt;b&gt;Later image&lt;/b&gt;: rasters on the same grid and CRS.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: linear power, amplitude or dB (both images the same).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Window&lt;/b&gt;: odd side in pixels (e.g. 7: N = 49).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Number of looks&lt;/b&gt;: ENL of the images (Sentinel-1 IW GRD about 4.4), used by the normalised method only.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Coherence model&lt;/b&gt; (learned method, optional): an .onnx of kind "coherence"; default the shipped model.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Temporal baseline&lt;/b&gt; (learned method): days between the dates, used only by models trained with the baseline as an input.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Weather between the dates&lt;/b&gt; (learned method, optional, models trained with it): &lt;code&gt;name=value&lt;/code&gt; pairs separated by commas, e.g. &lt;code&gt;rain_mm=12.5, snowfall_mm=0, melt_mm=0, wind_1_m_s=3.1, wind_2_m_s=6&lt;/code&gt; (rain, snowfall as water equivalent and snow melt summed over the days after the earlier date up to the later one, mm; daily mean wind speed on each date, m/s), or the path of a CSV whose first row has these columns (a simulator pair.csv). Rain, fresh snow, melt and wind decorrelate the pair; any condition left out is unknown, and with none the model runs without weather. Values outside those seen in training are warned about.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Correct with the intensity correlation&lt;/b&gt; (learned method, shipped model): the network under-estimates the rare, very coherent pixels (towns); a table fitted on its validation pairs maps each pixel's (network coherence, 3 x 3 intensity correlation) to the mean reference coherence and its spread (sigma) of such pixels (models/coherence.md).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Predicted uncertainty&lt;/b&gt; (learned method, optional): sigma of the coherence, 0-1.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Module de la cohérence interférométrique (0 à 1) estimé à partir de deux images &lt;i&gt;détectées&lt;/i&gt; coregistrées (intensités GRD, sans phase) de même polarisation et de même orbite.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Modèle appris&lt;/b&gt; (par défaut) : un U-Net résiduel (d'après Sica, Pulella &amp;amp; Schmitt, "Beyond Backscatter: InSAR coherence from detected SAR images") prédit la cohérence que donnerait une estimation par fenêtre glissante sur la paire complexe, et son incertitude sigma (l'écart type d'une vraisemblance gaussienne, mêmes unités), à partir des deux images en dB. Modèle par défaut : celui fourni avec l'extension (entraîné sur des paires VV Sentinel-1 simulées à 12 jours d'images à 4 vues ; voir models/coherence.md) ; donnez le vôtre issu de &lt;i&gt;Entraîner un modèle de cohérence&lt;/i&gt;. Les paramètres de fenêtre et de nombre de vues ne sont pas utilisés par le modèle.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Corrélation des intensités&lt;/b&gt; : pour un chatoiement gaussien circulaire, le coefficient de corrélation des deux intensités vaut |gamma|^2 (relation de Siegert ; Catelli, Monti Guarnieri &amp;amp; Prati 1996) : la sortie est donc sqrt(max(rho, 0)), rho étant estimé sur une fenêtre glissante :&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;corrélation sur la fenêtre&lt;/b&gt; : le coefficient de corrélation empirique (aucun nombre de vues nécessaire) ;&lt;/li&gt;&lt;li&gt;&lt;b&gt;normalisée par le nombre de vues&lt;/b&gt; : rho = L (R - 1) / (1 - R / N) avec R = mean(I1 I2) / (mean I1 mean I2) sur les N pixels de la fenêtre et L le nombre de vues des images (le terme R / N corrige le biais de la fenêtre).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;L'estimation est bruitée (écart type de rho d'environ 1/sqrt(N)) et biaisée vers le haut aux faibles cohérences, et une texture ou un changement de luminosité dans une fenêtre passe pour de la cohérence : utilisez de grandes fenêtres sur des zones homogènes. Sortie : GeoTIFF float32 sur la grille d'entrée, NaN là où une fenêtre ne contient aucun pixel valide ou aucune variance. Au chargement, elle est affichée avec une rampe de couleurs fixe de 0 (décorrélé) à 1 (cohérent).&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Image antérieure&lt;/b&gt;, &lt;b&gt;Image postérieure&lt;/b&gt; : rasters sur la même grille et le même SCR.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : puissance linéaire, amplitude ou dB (la même pour les deux images).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fenêtre&lt;/b&gt; : côté impair en pixels (par ex. 7 : N = 49).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Nombre de vues&lt;/b&gt; : ENL des images (environ 4,4 pour Sentinel-1 IW GRD), utilisé seulement par la méthode normalisée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle de cohérence&lt;/b&gt; (méthode apprise, optionnel) : un .onnx de type "coherence" ; par défaut le modèle fourni.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Base temporelle&lt;/b&gt; (méthode apprise) : jours entre les dates, utilisée seulement par les modèles entraînés avec la base temporelle en entrée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Météo entre les dates&lt;/b&gt; (méthode apprise, optionnelle, modèles entraînés avec elle) : des paires &lt;code&gt;nom=valeur&lt;/code&gt; séparées par des virgules, par ex. &lt;code&gt;rain_mm=12.5, snowfall_mm=0, melt_mm=0, wind_1_m_s=3.1, wind_2_m_s=6&lt;/code&gt; (pluie, chute de neige en équivalent en eau et fonte de neige cumulées sur les jours suivant la date antérieure jusqu'à la date postérieure, mm ; vitesse moyenne journalière du vent à chaque date, m/s), ou le chemin d'un CSV dont la première ligne a ces colonnes (un pair.csv du simulateur). La pluie, la neige fraîche, la fonte et le vent décorrèlent la paire ; toute condition omise est inconnue, et sans aucune le modèle s'exécute sans météo. Les valeurs hors de celles vues à l'entraînement font l'objet d'un avertissement.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Corriger par la corrélation d'intensité&lt;/b&gt; (méthode apprise, modèle fourni) : le réseau sous-estime les pixels rares et très cohérents (villes) ; une table ajustée sur ses paires de validation associe à chaque pixel (cohérence du réseau, corrélation d'intensité 3 x 3) la cohérence de référence moyenne de tels pixels et sa dispersion (sigma) (models/coherence.md).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Incertitude prédite&lt;/b&gt; (méthode apprise, optionnelle) : sigma de la cohérence, 0-1.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="98" />
            <source>Input layer '{db}' looks like dB (mostly negative values) but '{lin}' does not: give both images in the same scale (convert one of them) and set the input scale to match</source>
            <translation>La couche d'entrée '{db}' semble être en dB (valeurs surtout négatives) mais pas '{lin}' : donnez les deux images dans la même échelle (convertissez l'une d'elles) et réglez l'échelle d'entrée en conséquence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="126" />
            <source>Coherence from detected images</source>
            <translation>Cohérence à partir d'images détectées</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="76" />
            <source>Coherence</source>
            <translation>Cohérence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="142" />
            <source>Earlier image</source>
            <translation>Image antérieure</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="143" />
            <source>Later image (same grid)</source>
            <translation>Image postérieure (même grille)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="144" />
            <source>Band of the earlier image</source>
            <translation>Bande de l'image antérieure</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="146" />
            <source>Band of the later image</source>
            <translation>Bande de l'image postérieure</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="149" />
            <source>Input scale</source>
            <translation>Échelle de l'entrée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="153" />
            <source>Method</source>
            <translation>Méthode</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="124" />
            <source>Window size (pixels, odd)</source>
            <translation>Taille de fenêtre (pixels, impaire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="154" />
            <source>Number of looks of the images (normalised method)</source>
            <translation>Nombre de vues des images (méthode normalisée)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="156" />
            <source>Coherence model (.onnx; default: the shipped model)</source>
            <translation>Modèle de cohérence (.onnx ; par défaut : le modèle fourni)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="487" />
            <source>ONNX models (*.onnx)</source>
            <translation>Modèles ONNX (*.onnx)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="159" />
            <source>Temporal baseline (days; models that take it)</source>
            <translation>Base temporelle (jours ; modèles qui la prennent)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="161" />
            <source>Weather between the dates (optional; e.g. rain_mm=12.5, snowfall_mm=0, melt_mm=0, wind_1_m_s=3, wind_2_m_s=6; or a pair.csv)</source>
            <translation>Météo entre les dates (optionnelle ; par ex. rain_mm=12.5, snowfall_mm=0, melt_mm=0, wind_1_m_s=3, wind_2_m_s=6 ; ou un pair.csv)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="164" />
            <source>Correct with the intensity correlation (shipped model)</source>
            <translation>Corriger par la corrélation d'intensité (modèle fourni)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="167" />
            <source>Predicted uncertainty (sigma; learned method)</source>
            <translation>Incertitude prédite (sigma ; méthode apprise)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="173" />
            <source>the window size</source>
            <translation>la taille de fenêtre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="175" />
            <source>the window must be at least 3 pixels: a correlation needs several pixels</source>
            <translation>la fenêtre doit faire au moins 3 pixels : une corrélation demande plusieurs pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="179" />
            <source>the number of looks must be &gt; 0 (got {v})</source>
            <translation>le nombre de vues doit être &gt; 0 (reçu {v})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="189" />
            <source>Weather between the dates: {e}</source>
            <translation>Météo entre les dates : {e}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="195" />
            <source>window</source>
            <translation>fenêtre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="231" />
            <source>{method}: '{a}' band {b1}, '{b}' band {b2}, window {w}</source>
            <translation>{method} : '{a}' bande {b1}, '{b}' bande {b2}, fenêtre {w}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="252" />
            <source>Coherence model: {e}</source>
            <translation>Modèle de cohérence : {e}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="254" />
            <source>{method}: model {model}, tiles of {t} pixels with {o} pixels of overlap; '{a}' then '{b}'</source>
            <translation>{method} : modèle {model}, tuiles de {t} pixels avec {o} pixels de recouvrement ; « {a} » puis « {b} »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="259" />
            <source>Coherence and sigma corrected by the {w} x {w} intensity correlation (table fitted on the model's validation pairs)</source>
            <translation>Cohérence et sigma corrigés par la corrélation d'intensité {w} x {w} (table ajustée sur les paires de validation du modèle)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="263" />
            <source>No correction by the intensity correlation: its table is fitted for the shipped model only</source>
            <translation>Pas de correction par la corrélation d'intensité : sa table n'est ajustée que pour le modèle fourni</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="289" />
            <source>Warning: this coherence model was trained without weather conditions; the weather given is not used</source>
            <translation>Avertissement : ce modèle de cohérence a été entraîné sans conditions météo ; la météo donnée n'est pas utilisée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="293" />
            <source>No weather given: the model runs without weather conditions</source>
            <translation>Aucune météo donnée : le modèle s'exécute sans conditions météo</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="295" />
            <source>Weather conditions used: {w}</source>
            <translation>Conditions météo utilisées : {w}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_intensity.py" line="299" />
            <source>Warning, weather between the dates: {p}: the model was not trained for such weather; its coherence there is less reliable</source>
            <translation>Avertissement, météo entre les dates : {p} : le modèle n'a pas été entraîné pour une telle météo ; sa cohérence y est moins fiable</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="25" />
            <source>&lt;p&gt;Interferometric coherence magnitude (0 to 1) of two co-registered complex (SLC) images: the standard sample estimator |sum z1 z2*| / sqrt(sum |z1|^2 sum |z2|^2) over a moving boxcar window (Touzi et al. 1999; Hanssen 2001). Output: a float32 GeoTIFF on the input grid, NaN where a window holds no valid sample. When loaded, it is drawn with a fixed 0 (decorrelated) to 1 (coherent) colour ramp.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Reference SLC&lt;/b&gt;, &lt;b&gt;Secondary SLC&lt;/b&gt;: file-based GDAL rasters on the same grid (size, pixel grid, CRS): the secondary must already be co-registered and resampled onto the reference.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Complex data as&lt;/b&gt;: complex bands (CFloat32, CInt16, ...) or I/Q band pairs (two real bands: I at the given band, Q at the next).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Band of the reference&lt;/b&gt;, &lt;b&gt;Band of the secondary&lt;/b&gt;: the complex band, or the I band.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Window (azimuth rows)&lt;/b&gt;, &lt;b&gt;Window (range columns)&lt;/b&gt;: odd sizes in pixels of the boxcar (the looks in each direction). The sample coherence is biased high for few looks (about 0.46 for 4 and 0.13 for 49 looks where the true coherence is 0).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Phase to remove&lt;/b&gt; (optional): a raster on the same grid holding the expected interferometric phase arg(z1 z2*) in radians (flat earth + topography); each product is rotated by -phase before summing, so fringes do not lower the coherence.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;No-data, NaN and zero-power samples are left out of every window.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Module de la cohérence interférométrique (0 à 1) de deux images complexes (SLC) coregistrées : l'estimateur empirique usuel |sum z1 z2*| / sqrt(sum |z1|^2 sum |z2|^2) sur une fenêtre glissante rectangulaire (Touzi et al. 1999 ; Hanssen 2001). Sortie : un GeoTIFF float32 sur la grille d'entrée, NaN là où une fenêtre ne contient aucun échantillon valide. Au chargement, elle est affichée avec une rampe de couleurs fixe de 0 (décorrélé) à 1 (cohérent).&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;SLC de référence&lt;/b&gt;, &lt;b&gt;SLC secondaire&lt;/b&gt; : rasters GDAL sur fichier, sur la même grille (taille, grille de pixels, SCR) : la secondaire doit déjà être coregistrée et rééchantillonnée sur la référence.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Données complexes en&lt;/b&gt; : bandes complexes (CFloat32, CInt16, ...) ou paires de bandes I/Q (deux bandes réelles : I à la bande donnée, Q à la suivante).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bande de la référence&lt;/b&gt;, &lt;b&gt;Bande de la secondaire&lt;/b&gt; : la bande complexe, ou la bande I.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fenêtre (lignes en azimut)&lt;/b&gt;, &lt;b&gt;Fenêtre (colonnes en distance)&lt;/b&gt; : tailles impaires en pixels de la fenêtre (les vues dans chaque direction). La cohérence empirique est biaisée vers le haut avec peu de vues (environ 0,46 pour 4 et 0,13 pour 49 vues là où la vraie cohérence est 0).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Phase à retirer&lt;/b&gt; (facultatif) : un raster sur la même grille contenant la phase interférométrique attendue arg(z1 z2*) en radians (terre plate + topographie) ; chaque produit est tourné de -phase avant la somme, si bien que les franges ne font pas baisser la cohérence.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Les échantillons sans données, NaN ou de puissance nulle sont exclus de chaque fenêtre.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="62" />
            <source>Coherence from SLC pair</source>
            <translation>Cohérence d'une paire SLC</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="78" />
            <source>Reference SLC</source>
            <translation>SLC de référence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="79" />
            <source>Secondary SLC (co-registered)</source>
            <translation>SLC secondaire (coregistrée)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="80" />
            <source>Complex data as</source>
            <translation>Données complexes en</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="80" />
            <source>Complex bands (CFloat32, CInt16, ...)</source>
            <translation>Bandes complexes (CFloat32, CInt16, ...)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="80" />
            <source>I/Q band pairs (I, then Q)</source>
            <translation>Paires de bandes I/Q (I, puis Q)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="84" />
            <source>Band of the reference (complex band or I)</source>
            <translation>Bande de la référence (bande complexe ou I)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="86" />
            <source>Band of the secondary (complex band or I)</source>
            <translation>Bande de la secondaire (bande complexe ou I)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="88" />
            <source>Window, azimuth (rows, odd)</source>
            <translation>Fenêtre, azimut (lignes, impair)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="90" />
            <source>Window, range (columns, odd)</source>
            <translation>Fenêtre, distance (colonnes, impair)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="92" />
            <source>Phase to remove (radians, flat earth + topography)</source>
            <translation>Phase à retirer (radians, terre plate + topographie)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="94" />
            <source>Band of the phase raster</source>
            <translation>Bande du raster de phase</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="101" />
            <source>the azimuth window</source>
            <translation>la fenêtre en azimut</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="102" />
            <source>the range window</source>
            <translation>la fenêtre en distance</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="111" />
            <source>azimuth window</source>
            <translation>fenêtre en azimut</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="111" />
            <source>range window</source>
            <translation>fenêtre en distance</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="130" />
            <source>Input layer '{name}' has {n} band(s): band {b} does not exist (I/Q pairs need bands b and b + 1)</source>
            <translation>La couche d'entrée '{name}' a {n} bande(s) : la bande {b} n'existe pas (les paires I/Q demandent les bandes b et b + 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="136" />
            <source>Input layer '{name}' band {b} is {kind}, not complex: the coherence needs the complex SLC (CFloat32 or CInt16). Give the SLC, or choose 'I/Q band pairs' if I and Q are two real bands; for detected (GRD) images use sarchange:coherencefromintensity</source>
            <translation>La bande {b} de la couche d'entrée '{name}' est de type {kind}, pas complexe : la cohérence demande la SLC complexe (CFloat32 ou CInt16). Donnez la SLC, ou choisissez 'Paires de bandes I/Q' si I et Q sont deux bandes réelles ; pour des images détectées (GRD), utilisez sarchange:coherencefromintensity</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="142" />
            <source>Input layer '{name}' band {b} is complex ({kind}): choose 'Complex bands' instead of 'I/Q band pairs'</source>
            <translation>La bande {b} de la couche d'entrée '{name}' est complexe ({kind}) : choisissez 'Bandes complexes' au lieu de 'Paires de bandes I/Q'</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="166" />
            <source>Input layer '{name}': band {b} does not exist (the raster has {n})</source>
            <translation>Couche d'entrée '{name}' : la bande {b} n'existe pas (le raster en a {n})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="173" />
            <source>Sample coherence of '{a}' and '{b}' over {r} x {c} pixels (azimuth x range){p}</source>
            <translation>Cohérence empirique de '{a}' et '{b}' sur {r} x {c} pixels (azimut x distance){p}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coherence_slc.py" line="173" />
            <source>, phase removed</source>
            <translation>, phase retirée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="145" />
            <source>Not enough memory for these settings: use a smaller window or a smaller extent, or close other programs</source>
            <translation>Mémoire insuffisante pour ces réglages : utilisez une fenêtre ou une emprise plus petite, ou fermez d'autres programmes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="304" />
            <source>Output {path}: {reason}</source>
            <translation>Sortie {path} : {reason}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="174" />
            <source>Output '{label}' ({path}): {reason}</source>
            <translation>Sortie '{label}' ({path}) : {reason}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="322" />
            <source>Output {path}: output '{label}' must not overwrite the input {what} ({src}); choose another output file</source>
            <translation>Sortie {path} : la sortie '{label}' ne doit pas écraser l'entrée {what} ({src}) ; choisissez un autre fichier de sortie</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="347" />
            <source>GDAL does not recognise its format</source>
            <translation>GDAL ne reconnaît pas son format</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="348" />
            <source>Input '{label}' ({path}): the file exists but is not a readable raster ({detail}). Give a GeoTIFF or another raster GDAL reads, or re-create the file if it was cut short</source>
            <translation>Entrée '{label}' ({path}) : le fichier existe mais n'est pas un raster lisible ({detail}). Donnez un GeoTIFF ou un autre raster que GDAL lit, ou recréez le fichier s'il a été tronqué</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="374" />
            <source>Input layer '{name}': band {band} does not exist (the raster has {n}); choose a band from 1 to {n}</source>
            <translation>Couche d'entrée '{name}' : la bande {band} n'existe pas (le raster en a {n}) ; choisissez une bande de 1 à {n}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="451" />
            <source>Input layer '{name}': {problem}</source>
            <translation>Couche d'entrée '{name}' : {problem}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="399" />
            <source>{what}: {path} is not a .{ext} file; give a .{ext} file</source>
            <translation>{what} : {path} n'est pas un fichier .{ext} ; donnez un fichier .{ext}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="405" />
            <source>Input layer '{name}' ({path}): {problem}</source>
            <translation>Couche d'entrée '{name}' ({path}) : {problem}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="482" />
            <source>median {problems}: the images are not like those the model was trained on; check the input scale and the calibration (sigma0)</source>
            <translation>médiane {problems} : les images ne ressemblent pas à celles sur lesquelles le modèle a été entraîné ; vérifiez l'échelle d'entrée et l'étalonnage (sigma0)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="486" />
            <source>Acquisition {path}: {error}</source>
            <translation>Acquisition {path} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="492" />
            <source>DEM {path}: {error}</source>
            <translation>MNT {path} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="496" />
            <source>{where}: {problem}</source>
            <translation>{where} : {problem}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="502" />
            <source>{where}: median {problems}: the model was not trained for such conditions; use a model trained on similar conditions</source>
            <translation>{where} : médiane {problems} : le modèle n'a pas été entraîné pour de telles conditions ; utilisez un modèle entraîné dans des conditions semblables</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="520" />
            <source>Linear power (intensity)</source>
            <translation>Puissance linéaire (intensité)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="182" />
            <source>Amplitude</source>
            <translation>Amplitude</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="182" />
            <source>dB</source>
            <translation>dB</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="531" />
            <source>Input layer '{name}' band {band} is a palette (colour table) image: the luminance of its colour table (ITU-R BT.601) is used as the grey level, not the palette index</source>
            <translation>La bande {band} de la couche d'entrée '{name}' est une image à palette (table de couleurs) : la luminance de sa table de couleurs (UIT-R BT.601) est utilisée comme niveau de gris, et non l'indice de la palette</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="234" />
            <source>Input layer '{name}': {error}</source>
            <translation>Couche en entrée « {name} » : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="569" />
            <source>Invalid raster layer for parameter {name}</source>
            <translation>Couche raster non valide pour le paramètre {name}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="572" />
            <source>Input layer '{name}' is served by the '{provider}' data provider; SAR Change reads rasters through GDAL only. Save the layer as a GeoTIFF and use that file.</source>
            <translation>La couche en entrée « {name} » est servie par le fournisseur de données « {provider} » ; SAR Change ne lit les rasters qu'avec GDAL. Enregistrez la couche en GeoTIFF et utilisez ce fichier.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/common.py" line="600" />
            <source>{what} cannot be reprojected from {src} to the raster CRS {dst}: {error}</source>
            <translation>{what} ne peut pas être reprojeté de {src} vers le SCR du raster {dst} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="58" />
            <source>&lt;p&gt;Aligns SAR rasters of the same area (a time series, other orbits) onto a reference raster to a fraction of a pixel. Offsets are measured on a grid of windows by cross-correlation (of amplitudes by default) with sub-pixel refinement by the upsampled DFT (Guizar-Sicairos, Thurman &amp;amp; Fienup 2008, Opt. Lett. 33(2)); a translation, affine or 2nd-order polynomial model is fitted with outlier rejection (peak threshold, RANSAC consensus after Fischler &amp;amp; Bolles 1981, then iterative 3-sigma clipping with a median-absolute-deviation sigma); every band is resampled onto the reference grid.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Reference raster&lt;/b&gt;: defines the output grid (CRS, pixel size, extent) and, unless registering to the DEM, the image matched against.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Rasters to coregister&lt;/b&gt;: file-based GDAL rasters. A raster on another grid (CRS, pixel size or origin) is first warped onto the reference grid with GDAL; one that does not overlap the reference is refused. The rasters are read and resampled block by block, with or without a DEM (bounded memory on a full scene); a raster on another grid, the DEM and the DEM's layover and shadow mask (and simulated image) are first written on the reference grid as temporary files in the output folder (up to about 4 bytes per pixel each).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Band used for matching&lt;/b&gt;: offsets are measured on this band and applied to all bands.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: linear power, amplitude or dB (resampling keeps the stored scale).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Matching domain&lt;/b&gt; (advanced): what is correlated. Automatic: amplitude between rasters, dB against the DEM simulation. Amplitude: as in amplitude cross-correlation tools such as ISCE's ampcor. dB: speckle becomes additive; most precise on scenes that are smooth at the pixel scale, but biased by a few hundredths of a pixel on finely textured data. Linear power: unbiased, but dominated by the brightest targets.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model&lt;/b&gt;: translation (one offset), affine (offset varying linearly across the image) or 2nd-order polynomial. Each needs at least 3, 6 or 12 consistent windows.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Resampling&lt;/b&gt;: nearest, bilinear, cubic spline or Lanczos-3. No data stays no data; pixels falling outside the moving raster become no data.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Window size&lt;/b&gt;: side of the matching windows in pixels (64 handles shifts of up to about 10 pixels after the coarse whole-image estimate; larger windows are more precise, smaller ones follow local distortions).&lt;/li&gt;&lt;li&gt;&lt;b&gt;DEM&lt;/b&gt; (optional): heights in metres, any CRS (warped onto the reference grid). Windows in layover, shadow or strong foreshortening for the given &lt;b&gt;heading&lt;/b&gt; (flight direction, degrees clockwise from north; Sentinel-1 ascending about 348, descending about 192) and &lt;b&gt;incidence&lt;/b&gt; (degrees) are not used.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Register to the DEM&lt;/b&gt;: match every raster, the reference included, against a SAR image simulated from the DEM instead of the reference raster: absolute alignment with the DEM (needs clear relief).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Mask water&lt;/b&gt;: do not use dark, featureless areas (mean below -18 dB and little texture), whose speckle does not correlate between dates.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Outputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Output folder&lt;/b&gt;: one float32 GeoTIFF per input, named &amp;lt;input&amp;gt;_coreg.tif, on the reference grid; coregistration_report.json (per image: windows measured and used, model parameters in pixels, residual RMSE in pixels).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Offset table&lt;/b&gt;: CSV, one row per window and image: image, row, col (window centre, reference pixels), dy, dx (pixels: the reference pixel (row, col) shows the ground of the input pixel (row - dy, col - dx)), peak (correlation 0..1), inlier (1 used by the fit, 0 rejected), x, y (map coordinates).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Tie points&lt;/b&gt; (optional): the windows as points with the same fields.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Coregistered raster (single image)&lt;/b&gt;: a copy of the first registered raster, as one raster output that a model can feed into a single-raster input (for example the later image of &lt;i&gt;Difference image&lt;/i&gt;).&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Aligne des rasters SAR d'une même zone (une série temporelle, d'autres orbites) sur un raster de référence, à une fraction de pixel près. Les décalages sont mesurés sur une grille de fenêtres par corrélation croisée (des amplitudes par défaut) avec un affinage sous-pixellaire par TFD suréchantillonnée (Guizar-Sicairos, Thurman &amp;amp; Fienup 2008, Opt. Lett. 33(2)) ; un modèle de translation, affine ou polynomial du 2e degré est ajusté avec rejet des valeurs aberrantes (seuil sur le pic, consensus RANSAC d'après Fischler &amp;amp; Bolles 1981, puis écrêtage itératif à 3 sigma avec un sigma tiré de l'écart absolu médian) ; chaque bande est rééchantillonnée sur la grille de référence.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster de référence&lt;/b&gt; : définit la grille de sortie (SCR, taille de pixel, emprise) et, sauf recalage sur le MNT, l'image à laquelle on apparie.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Rasters à recaler&lt;/b&gt; : rasters GDAL sur fichier. Un raster sur une autre grille (SCR, taille de pixel ou origine) est d'abord reprojeté sur la grille de référence avec GDAL ; un raster qui ne recouvre pas la référence est refusé. Les rasters sont lus et rééchantillonnés bloc par bloc, avec ou sans MNT (mémoire bornée sur une scène entière) ; un raster sur une autre grille, le MNT et son masque de repliement et d'ombre (et l'image simulée) sont d'abord écrits sur la grille de référence dans des fichiers temporaires du dossier de sortie (jusqu'à environ 4 octets par pixel chacun).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bande utilisée pour l'appariement&lt;/b&gt; : les décalages sont mesurés sur cette bande et appliqués à toutes les bandes.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : puissance linéaire, amplitude ou dB (le rééchantillonnage conserve l'échelle stockée).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Domaine d'appariement&lt;/b&gt; (avancé) : ce qui est corrélé. Automatique : l'amplitude entre rasters, les dB face à la simulation du MNT. Amplitude : comme les outils de corrélation d'amplitude tels qu'ampcor d'ISCE. dB : le chatoiement devient additif ; le plus précis sur des scènes lisses à l'échelle du pixel, mais biaisé de quelques centièmes de pixel sur des données finement texturées. Puissance linéaire : sans biais, mais dominée par les cibles les plus brillantes.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle&lt;/b&gt; : translation (un seul décalage), affine (décalage variant linéairement dans l'image) ou polynôme du 2e degré. Il faut au moins 3, 6 ou 12 fenêtres cohérentes respectivement.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Rééchantillonnage&lt;/b&gt; : plus proche voisin, bilinéaire, spline cubique ou Lanczos-3. Les pixels sans donnée restent sans donnée ; les pixels qui tombent hors du raster recalé deviennent sans donnée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Taille de fenêtre&lt;/b&gt; : côté des fenêtres d'appariement en pixels (64 gère des décalages jusqu'à environ 10 pixels après l'estimation grossière sur l'image entière ; des fenêtres plus grandes sont plus précises, des plus petites suivent les distorsions locales).&lt;/li&gt;&lt;li&gt;&lt;b&gt;MNT&lt;/b&gt; (optionnel) : altitudes en mètres, dans n'importe quel SCR (reprojeté sur la grille de référence). Les fenêtres en repliement, en ombre ou en fort raccourcissement pour le &lt;b&gt;cap&lt;/b&gt; (direction de vol, degrés dans le sens horaire depuis le nord ; Sentinel-1 ascendant environ 348, descendant environ 192) et l'&lt;b&gt;incidence&lt;/b&gt; (degrés) donnés ne sont pas utilisées.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Recaler sur le MNT&lt;/b&gt; : apparier chaque raster, référence comprise, à une image SAR simulée à partir du MNT au lieu du raster de référence : alignement absolu sur le MNT (demande un relief marqué).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masquer l'eau&lt;/b&gt; : ne pas utiliser les zones sombres et sans texture (moyenne inférieure à -18 dB et peu de texture), dont le chatoiement n'est pas corrélé d'une date à l'autre.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Sorties&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Dossier de sortie&lt;/b&gt; : un GeoTIFF float32 par entrée, nommé &amp;lt;entrée&amp;gt;_coreg.tif, sur la grille de référence ; coregistration_report.json (par image : fenêtres mesurées et utilisées, paramètres du modèle en pixels, RMSE résiduelle en pixels).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Table des décalages&lt;/b&gt; : CSV, une ligne par fenêtre et par image : image, row, col (centre de la fenêtre, pixels de référence), dy, dx (pixels : le pixel de référence (row, col) montre le sol du pixel d'entrée (row - dy, col - dx)), peak (corrélation 0..1), inlier (1 utilisé par l'ajustement, 0 rejeté), x, y (coordonnées cartographiques).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Points homologues&lt;/b&gt; (optionnel) : les fenêtres sous forme de points avec les mêmes champs.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Raster recalé (image unique)&lt;/b&gt; : une copie du premier raster recalé, sous forme d'une sortie raster unique qu'un modèle peut brancher sur une entrée raster unique (par exemple l'image postérieure de &lt;i&gt;Image de différence&lt;/i&gt;).&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="138" />
            <source>Coregister SAR stack</source>
            <translation>Recaler une pile SAR</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="369" />
            <source>Terrain</source>
            <translation>Terrain</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="154" />
            <source>Reference raster</source>
            <translation>Raster de référence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="155" />
            <source>Rasters to coregister</source>
            <translation>Rasters à recaler</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="158" />
            <source>Band used for matching (default 1)</source>
            <translation>Bande utilisée pour l'appariement (par défaut 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="487" />
            <source>Model</source>
            <translation>Modèle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="163" />
            <source>Translation</source>
            <translation>Translation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="163" />
            <source>Affine</source>
            <translation>Affine</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="163" />
            <source>2nd-order polynomial</source>
            <translation>Polynôme du 2e degré</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="166" />
            <source>Resampling</source>
            <translation>Rééchantillonnage</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="166" />
            <source>Nearest neighbour</source>
            <translation>Plus proche voisin</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="166" />
            <source>Bilinear</source>
            <translation>Bilinéaire</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="166" />
            <source>Cubic spline</source>
            <translation>Spline cubique</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="166" />
            <source>Lanczos-3</source>
            <translation>Lanczos-3</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="170" />
            <source>Window size (pixels)</source>
            <translation>Taille de fenêtre (pixels)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="172" />
            <source>DEM (metres)</source>
            <translation>MNT (mètres)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="173" />
            <source>Heading (degrees clockwise from north)</source>
            <translation>Cap (degrés dans le sens horaire depuis le nord)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="175" />
            <source>Incidence angle (degrees)</source>
            <translation>Angle d'incidence (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="177" />
            <source>Register to the DEM (simulated SAR image) instead of the reference</source>
            <translation>Recaler sur le MNT (image SAR simulée) au lieu de la référence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="180" />
            <source>Mask water (dark, featureless areas)</source>
            <translation>Masquer l'eau (zones sombres et sans texture)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="182" />
            <source>Matching domain</source>
            <translation>Domaine d'appariement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="182" />
            <source>Automatic (amplitude; dB when registering to the DEM)</source>
            <translation>Automatique (amplitude ; dB pour le recalage sur le MNT)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="182" />
            <source>Linear power</source>
            <translation>Puissance linéaire</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="139" />
            <source>Output folder</source>
            <translation>Dossier de sortie</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="189" />
            <source>Offset table</source>
            <translation>Table des décalages</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="189" />
            <source>CSV files (*.csv)</source>
            <translation>Fichiers CSV (*.csv)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="192" />
            <source>Tie points</source>
            <translation>Points homologues</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="197" />
            <source>Coregistered raster (single image: the first raster to coregister)</source>
            <translation>Raster recalé (image unique : le premier raster à recaler)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="200" />
            <source>Coregistered rasters</source>
            <translation>Rasters recalés</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="201" />
            <source>Report (JSON file)</source>
            <translation>Rapport (fichier JSON)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="228" />
            <source>Registering to the DEM needs a DEM: choose one or untick the option</source>
            <translation>Le recalage sur le MNT demande un MNT : choisissez-en un ou décochez l'option</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="208" />
            <source>matching window</source>
            <translation>fenêtre d'appariement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="221" />
            <source>Choose at least one raster to coregister</source>
            <translation>Choisissez au moins un raster à recaler</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="245" />
            <source>Reference: {name}; {n} raster(s) to coregister; model {model}, {resampling} resampling, {window} px windows</source>
            <translation>Référence : {name} ; {n} raster(s) à recaler ; modèle {model}, rééchantillonnage {resampling}, fenêtres de {window} px</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/coregister.py" line="268" />
            <source>{image}: {used} of {measured} windows used; {params} (pixels); residual RMSE {rmse:.3f} px</source>
            <translation>{image} : {used} fenêtres utilisées sur {measured} ; {params} (pixels) ; RMSE résiduelle {rmse:.3f} px</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="32" />
            <source>&lt;p&gt;Compares two co-registered SAR images of the same area and writes a difference image (DI): a float32 GeoTIFF on the input grid whose values grow with the change. Threshold it with &lt;i&gt;Threshold change&lt;/i&gt; to get a change mask.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Earlier image (image 1)&lt;/b&gt;: a file-based GDAL raster.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Later image (image 2)&lt;/b&gt; (optional): a raster on exactly the same grid (size, pixel size, origin) and CRS; run &lt;i&gt;sarchange:coregister&lt;/i&gt; first if it is not. Leave it empty to take both dates from bands of image 1.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Band of image 1&lt;/b&gt;, &lt;b&gt;Band of image 2&lt;/b&gt;: the bands compared (1-based). Without a later image both refer to bands of image 1 and must differ. The Euclidean norm uses every band instead: all bands of image 1 against all bands of image 2 (same count, same order), or, with a single image, its first half of bands against its second half.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: how both images are stored: linear power (intensity), amplitude or dB. Everything is converted to linear power first.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Method&lt;/b&gt;: &lt;ul&gt;&lt;li&gt;Difference I2 - I1, in linear power.&lt;/li&gt;&lt;li&gt;Ratio I2 / I1.&lt;/li&gt;&lt;li&gt;Log ratio 10 log10(I2 / I1), dB: &amp;gt; 0 where the later image is brighter (Dekker 1998; Bazi, Bruzzone &amp;amp; Melgani 2005).&lt;/li&gt;&lt;li&gt;Mean ratio r = 1 - min(m1/m2, m2/m1), m the local means over the window, 0 to 1 (Inglada &amp;amp; Mercier 2007); the signed variant multiplies r by sign(m2 - m1).&lt;/li&gt;&lt;li&gt;Neighbourhood ratio (Gong, Cao &amp;amp; Wu 2012, IEEE GRSL 9(2)): NR = theta q + (1 - theta) sum min(I1, I2) / sum max(I1, I2) over the window without the centre, q = min/max of the pixel and theta = var/mean of q over the window; written as 1 - NR (0 to 1) so that, like the mean ratio, larger means more change.&lt;/li&gt;&lt;li&gt;Euclidean norm of dB differences: sqrt(sum over bands (dB2 - dB1)^2), dB (Alatalo, Sipola &amp;amp; Rantonen 2023), e.g. VV and VH together.&lt;/li&gt;&lt;li&gt;Cumulant-based Kullback-Leibler divergence (Inglada &amp;amp; Mercier 2007, IEEE TGRS 45(5)): the pdf of each date's log-intensity over the window is approximated from its first four cumulants (Edgeworth series) and the DI is the symmetrised KL divergence of the two, in nats (0 for identical windows); it sees changes of the spread of the values as well as of their mean. Windows where either date is constant are no data. Caution: the Edgeworth series holds for small differences only. For 4-look speckle the divergence rises with a change of the mean up to about 3.5 dB, then falls, and it is 0 from about 6 dB on (1, 2 and 3 standard deviations of the log-intensity, 2.3 / 4.6 / 6.9 dB: 0.73 / 1.00 / 0 nats; the exact divergence is 1, 4 and 9): use it for subtle changes, never for floods or other strong changes (log ratio or mean ratio there).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Window size&lt;/b&gt;: odd side in pixels of the local window of the mean ratio, the neighbourhood ratio (e.g. 3) and the cumulant KL divergence (e.g. 7 to 11: four cumulants need many pixels).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Signed mean ratio&lt;/b&gt;: write sign(m2 - m1) r instead of r.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Power floor&lt;/b&gt;: ratios and logarithms need power &amp;gt; 0. With 0 (default) a pixel with zero or negative power stops the run with an error; a value &amp;gt; 0 (linear power) raises every smaller value to it instead (e.g. 1 for 8-bit images with a few zeros).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;No-data pixels of either image (and pixels no-data in either image within a window) are left out; the output's no-data value is NaN.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Extent&lt;/b&gt; (optional): compare only the pixels inside it; the pixels around it that the windows need are read too, so the result equals the whole-image result cut to the extent.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Compare deux images SAR recalées d'une même zone et écrit une image de différence (DI) : un GeoTIFF float32 sur la grille d'entrée dont les valeurs croissent avec le changement. Seuillez-la avec &lt;i&gt;Seuiller les changements&lt;/i&gt; pour obtenir un masque de changement.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Image antérieure (image 1)&lt;/b&gt; : un raster GDAL sur fichier.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Image postérieure (image 2)&lt;/b&gt; (optionnelle) : un raster exactement sur la même grille (taille, taille de pixel, origine) et le même SCR ; lancez d'abord &lt;i&gt;sarchange:coregister&lt;/i&gt; si ce n'est pas le cas. Laissez-la vide pour prendre les deux dates dans des bandes de l'image 1.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bande de l'image 1&lt;/b&gt;, &lt;b&gt;Bande de l'image 2&lt;/b&gt; : les bandes comparées (numérotées à partir de 1). Sans image postérieure, les deux désignent des bandes de l'image 1 et doivent différer. La norme euclidienne utilise à la place toutes les bandes : toutes les bandes de l'image 1 contre toutes celles de l'image 2 (même nombre, même ordre) ou, avec une seule image, sa première moitié de bandes contre la seconde.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : comment les deux images sont stockées : puissance linéaire (intensité), amplitude ou dB. Tout est d'abord converti en puissance linéaire.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Méthode&lt;/b&gt; : &lt;ul&gt;&lt;li&gt;Différence I2 - I1, en puissance linéaire.&lt;/li&gt;&lt;li&gt;Rapport I2 / I1.&lt;/li&gt;&lt;li&gt;Log-rapport 10 log10(I2 / I1), dB : &amp;gt; 0 là où l'image postérieure est plus claire (Dekker 1998 ; Bazi, Bruzzone &amp;amp; Melgani 2005).&lt;/li&gt;&lt;li&gt;Rapport des moyennes r = 1 - min(m1/m2, m2/m1), m les moyennes locales sur la fenêtre, de 0 à 1 (Inglada &amp;amp; Mercier 2007) ; la variante signée multiplie r par sign(m2 - m1).&lt;/li&gt;&lt;li&gt;Rapport de voisinage (Gong, Cao &amp;amp; Wu 2012, IEEE GRSL 9(2)) : NR = theta q + (1 - theta) somme min(I1, I2) / somme max(I1, I2) sur la fenêtre sans le centre, q = min/max du pixel et theta = var/moyenne de q sur la fenêtre ; écrit 1 - NR (de 0 à 1) afin que, comme pour le rapport des moyennes, plus grand signifie plus de changement.&lt;/li&gt;&lt;li&gt;Norme euclidienne des différences en dB : sqrt(somme sur les bandes (dB2 - dB1)^2), dB (Alatalo, Sipola &amp;amp; Rantonen 2023), par ex. VV et VH ensemble.&lt;/li&gt;&lt;li&gt;Divergence de Kullback-Leibler fondée sur les cumulants (Inglada &amp;amp; Mercier 2007, IEEE TGRS 45(5)) : la densité de la log-intensité de chaque date sur la fenêtre est approchée à partir de ses quatre premiers cumulants (série d'Edgeworth) et le DI est la divergence KL symétrisée des deux, en nats (0 pour des fenêtres identiques) ; elle voit les changements de la dispersion des valeurs autant que de leur moyenne. Les fenêtres où l'une des dates est constante sont sans donnée. Attention : la série d'Edgeworth ne vaut que pour de petites différences. Pour un chatoiement à 4 vues, la divergence croît avec un changement de la moyenne jusqu'à environ 3,5 dB, puis décroît, et elle vaut 0 à partir d'environ 6 dB (1, 2 et 3 écarts-types de la log-intensité, 2,3 / 4,6 / 6,9 dB : 0,73 / 1,00 / 0 nats ; la divergence exacte vaut 1, 4 et 9) : réservez-la aux changements subtils, jamais aux inondations ni aux autres changements forts (rapport logarithmique ou rapport des moyennes dans ce cas).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Taille de fenêtre&lt;/b&gt; : côté impair en pixels de la fenêtre locale du rapport des moyennes, du rapport de voisinage (par ex. 3) et de la divergence KL des cumulants (par ex. 7 à 11 : quatre cumulants demandent beaucoup de pixels).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Rapport des moyennes signé&lt;/b&gt; : écrire sign(m2 - m1) r au lieu de r.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Plancher de puissance&lt;/b&gt; : les rapports et les logarithmes demandent une puissance &amp;gt; 0. Avec 0 (par défaut), un pixel de puissance nulle ou négative arrête l'exécution avec une erreur ; une valeur &amp;gt; 0 (puissance linéaire) relève à la place chaque valeur plus petite à ce plancher (par ex. 1 pour des images 8 bits avec quelques zéros).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Les pixels sans donnée de l'une ou l'autre image (et, dans une fenêtre, les pixels sans donnée dans l'une ou l'autre image) sont écartés ; la valeur sans donnée de la sortie est NaN.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Emprise&lt;/b&gt; (optionnelle) : ne comparer que les pixels qu'elle contient ; les pixels voisins dont les fenêtres ont besoin sont lus aussi, si bien que le résultat est égal au résultat sur l'image entière découpé à l'emprise.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="167" />
            <source>Difference image</source>
            <translation>Image de différence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="130" />
            <source>Change detection</source>
            <translation>Détection de changements</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="143" />
            <source>Earlier image (image 1)</source>
            <translation>Image antérieure (image 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="117" />
            <source>Later image (image 2; empty: bands of image 1)</source>
            <translation>Image postérieure (image 2 ; vide : bandes de l'image 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="145" />
            <source>Band of image 1</source>
            <translation>Bande de l'image 1</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="121" />
            <source>Band of image 2 (of image 1 when no image 2)</source>
            <translation>Bande de l'image 2 (de l'image 1 sans image 2)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="128" />
            <source>Window size (pixels, odd; mean ratio, neighbourhood ratio, cumulant KL)</source>
            <translation>Taille de fenêtre (pixels, impaire ; rapport des moyennes, rapport de voisinage, KL des cumulants)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="131" />
            <source>Signed mean ratio (&gt; 0 where image 2 is brighter)</source>
            <translation>Rapport des moyennes signé (&gt; 0 là où l'image 2 est plus claire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="159" />
            <source>Power floor (linear power; 0 = refuse zero power)</source>
            <translation>Plancher de puissance (puissance linéaire ; 0 = refuser une puissance nulle)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="149" />
            <source>Extent (empty: whole raster)</source>
            <translation>Emprise (vide : tout le raster)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="144" />
            <source>window size must be odd and &gt;= 1, e.g. 3 (got {size})</source>
            <translation>la taille de fenêtre doit être impaire et &gt;= 1, par ex. 3 (reçu {size})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="182" />
            <source>the power floor must be &gt;= 0 (0 = refuse zero power), got {v}</source>
            <translation>le plancher de puissance doit être &gt;= 0 (0 = refuser une puissance nulle), reçu {v}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="176" />
            <source>Input layer '{b}' is not on the grid of '{a}' ({problem}): the two images must share size, pixel grid and CRS; run sarchange:coregister first</source>
            <translation>La couche en entrée « {b} » n'est pas sur la grille de « {a} » ({problem}) : les deux images doivent partager taille, grille de pixels et SCR ; lancez d'abord sarchange:coregister</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="183" />
            <source>Input layer '{a}' has {n} band(s): with a single image the Euclidean norm compares its first half of bands with its second half, so it needs an even band count; give the later date as image 2</source>
            <translation>La couche en entrée « {a} » a {n} bande(s) : avec une seule image, la norme euclidienne compare sa première moitié de bandes à la seconde, il faut donc un nombre pair de bandes ; donnez la date postérieure comme image 2</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="192" />
            <source>Input layers '{a}' ({n1} band(s)) and '{b}' ({n2} band(s)) differ in band count: the Euclidean norm compares every band with the same band of the other date; give rasters with the same bands in the same order</source>
            <translation>Les couches en entrée « {a} » ({n1} bande(s)) et « {b} » ({n2} bande(s)) n'ont pas le même nombre de bandes : la norme euclidienne compare chaque bande à la même bande de l'autre date ; donnez des rasters avec les mêmes bandes dans le même ordre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="202" />
            <source>Input layer '{name}': band {band} does not exist (the raster has {n})</source>
            <translation>Couche en entrée « {name} » : la bande {band} n'existe pas (le raster en a {n})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="206" />
            <source>Without a later image both dates are bands of '{a}': set 'Band of image 2' to the band of the later date (it is {b}, the same as image 1's)</source>
            <translation>Sans image postérieure, les deux dates sont des bandes de « {a} » : réglez « Bande de l'image 2 » sur la bande de la date postérieure (c'est {b}, la même que celle de l'image 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="244" />
            <source>{method}: image 1 '{a}' band(s) {b1}, image 2 '{b}' band(s) {b2}, margin {m} pixels</source>
            <translation>{method} : image 1 « {a} » bande(s) {b1}, image 2 « {b} » bande(s) {b2}, marge de {m} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="262" />
            <source>Input layer '{name}' holds zero or negative power (at least {count} pixel(s) in band(s) {bands}): give linear power &gt; 0, set the correct input scale, mask those pixels as no data, or set a power floor &gt; 0</source>
            <translation>La couche en entrée « {name} » contient une puissance nulle ou négative (au moins {count} pixel(s) dans la/les bande(s) {bands}) : donnez une puissance linéaire &gt; 0, réglez la bonne échelle d'entrée, masquez ces pixels comme sans donnée, ou fixez un plancher de puissance &gt; 0</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="269" />
            <source>Input layers '{a}', '{b}': {error}</source>
            <translation>Couches en entrée « {a} », « {b} » : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/difference_image.py" line="278" />
            <source>No pixel is valid in both '{a}' and '{b}' (all no data): check the no-data values and that the two images cover the same area</source>
            <translation>Aucun pixel n'est valide à la fois dans « {a} » et « {b} » (tout est sans donnée) : vérifiez les valeurs sans donnée et que les deux images couvrent la même zone</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="33" />
            <source>&lt;p&gt;Estimates the equivalent number of looks (ENL) of one band of a SAR raster. ENL = mean^2 / variance of the intensity over a homogeneous area (Ulaby &amp;amp; Dobson 1989; Oliver &amp;amp; Quegan 1998); for L-look gamma speckle it equals L.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Input SAR raster&lt;/b&gt;: a file-based GDAL raster.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Band&lt;/b&gt;: the band to measure (default 1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: linear power, amplitude or dB; values are converted to linear power first.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Homogeneous area&lt;/b&gt; (optional): polygons over a featureless area (calm water, bare field). Pixels whose centre falls inside are used. Without an area, the ENL is estimated from up to 32 sample windows of the image as 1 / mode of the squared coefficient of variation of 9x9 windows.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Outputs: the ENL and the number of valid pixels used.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Estime le nombre équivalent de vues (ENL) d'une bande d'un raster SAR. ENL = moyenne^2 / variance de l'intensité sur une zone homogène (Ulaby &amp;amp; Dobson 1989 ; Oliver &amp;amp; Quegan 1998) ; pour un chatoiement gamma à L vues, il vaut L.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster SAR en entrée&lt;/b&gt; : un raster GDAL sur fichier.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bande&lt;/b&gt; : la bande à mesurer (par défaut 1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : puissance linéaire, amplitude ou dB ; les valeurs sont d'abord converties en puissance linéaire.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Zone homogène&lt;/b&gt; (optionnelle) : des polygones sur une zone sans texture (eau calme, champ nu). Les pixels dont le centre tombe à l'intérieur sont utilisés. Sans zone, l'ENL est estimé sur au plus 32 fenêtres d'échantillonnage de l'image comme 1 / mode du carré du coefficient de variation de fenêtres 9x9.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Sorties : l'ENL et le nombre de pixels valides utilisés.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="95" />
            <source>Estimate ENL</source>
            <translation>Estimer l'ENL</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="107" />
            <source>Speckle</source>
            <translation>Chatoiement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="120" />
            <source>Input SAR raster</source>
            <translation>Raster SAR en entrée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="96" />
            <source>Band</source>
            <translation>Bande</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="117" />
            <source>Homogeneous area</source>
            <translation>Zone homogène</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="119" />
            <source>Equivalent number of looks</source>
            <translation>Nombre équivalent de vues</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="120" />
            <source>Pixels used</source>
            <translation>Pixels utilisés</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="131" />
            <source>Input layer '{name}' band {band}: {error}</source>
            <translation>Couche d'entrée '{name}' bande {band} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="149" />
            <source>whole image (sample windows)</source>
            <translation>image entière (fenêtres d'échantillonnage)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="152" />
            <source>homogeneous area</source>
            <translation>zone homogène</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="154" />
            <source>Cancelled.</source>
            <translation>Annulé.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/estimate_enl.py" line="156" />
            <source>ENL of {name} band {band} over the {where}: {enl:.4f} ({pixels} pixels)</source>
            <translation>ENL de {name} bande {band} sur la {where} : {enl:.4f} ({pixels} pixels)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="31" />
            <source>&lt;p&gt;Measures how well a change map and/or a difference image (DI) match a reference change mask, and writes an HTML report (tables and plots, shown in the Results Viewer) and a JSON file of all numbers.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Change map (prediction)&lt;/b&gt; (optional): binary raster, 0 = unchanged, 1 (or 255) = changed; its no-data pixels are left out. Any other value is refused.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Difference image&lt;/b&gt; (optional): continuous raster, larger values = more likely changed (e.g. an absolute log-ratio). Used for the ROC curve, the AUC and the histograms. At least one of the change map and the difference image is needed.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Reference change mask&lt;/b&gt;: 0 = unchanged, 1 or 255 = changed, or the band's no-data value (left out). Any other value is refused. The change map and the difference image must be on its grid (same size, geotransform and CRS): resample/coregister onto the reference grid first otherwise.&lt;/li&gt;&lt;li&gt;&lt;b&gt;DI threshold&lt;/b&gt; (optional, DI units): the rule "changed when DI &amp;gt;= threshold". Drawn on the histograms; without a change map, the change map is made from the difference image with it.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Change in the DI shows as&lt;/b&gt;: higher values (default), lower values (a decrease in a signed DI such as a log-ratio over a flood: the ROC is that of -DI and the rule becomes "changed when DI &amp;lt;= threshold") or larger magnitude |DI| (two-sided).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Balanced ROC sample&lt;/b&gt;: compute the ROC on all changed pixels and as many randomly drawn unchanged pixels (or the reverse, whichever class is larger; fixed seed 0), as Alatalo, Sipola &amp;amp; Rantonen (2023) do. The AUC does not depend on the class ratio, so this mainly changes the sampling error.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Band 1 of each raster is used.&lt;/p&gt;&lt;h3&gt;Measures&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;TP, FP (false alarms), FN (missed alarms), TN in pixels; overall error OE = FP + FN (pixels); percentage correct classification PCC = 100 (TP + TN) / N (%).&lt;/li&gt;&lt;li&gt;Cohen's kappa = (p_o - p_e) / (1 - p_e), with p_o = (TP + TN) / N and p_e = [(TP + FP)(TP + FN) + (FN + TN)(FP + TN)] / N^2 (Cohen 1960; Congalton 1991).&lt;/li&gt;&lt;li&gt;Precision TP / (TP + FP), recall TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN), IoU = TP / (TP + FP + FN).&lt;/li&gt;&lt;li&gt;ROC curve and its area (AUC, trapezoid rule, ties counted as one half; Fawcett 2006).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The confusion counts use every pixel, streamed block by block. The ROC and the histograms use all pixels up to 4 million pixels; larger scenes are sampled systematically (every s-th row and column, s as small as keeps the sample at or below 4 million pixels), which covers the scene evenly. Undefined measures (e.g. precision with no predicted change, AUC without a difference image) are reported as NaN.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Mesure dans quelle mesure une carte des changements et/ou une image de différence (DI) concordent avec un masque de changement de référence, et écrit un rapport HTML (tableaux et graphiques, affichés dans la visionneuse de résultats) et un fichier JSON de tous les chiffres.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Carte des changements (prédiction)&lt;/b&gt; (optionnelle) : raster binaire, 0 = inchangé, 1 (ou 255) = changé ; ses pixels sans donnée sont écartés. Toute autre valeur est refusée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Image de différence&lt;/b&gt; (optionnelle) : raster continu, valeurs plus grandes = changement plus probable (par ex. un log-rapport en valeur absolue). Sert à la courbe ROC, à l'AUC et aux histogrammes. Il faut au moins la carte des changements ou l'image de différence.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masque de changement de référence&lt;/b&gt; : 0 = inchangé, 1 ou 255 = changé, ou la valeur sans donnée de la bande (écartée). Toute autre valeur est refusée. La carte des changements et l'image de différence doivent être sur sa grille (même taille, géotransformation et SCR) : sinon, rééchantillonnez-les ou recalez-les d'abord sur la grille de référence.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Seuil de la DI&lt;/b&gt; (optionnel, unités de la DI) : la règle « changé quand DI &amp;gt;= seuil ». Tracé sur les histogrammes ; sans carte des changements, celle-ci est faite à partir de l'image de différence avec ce seuil.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Le changement apparaît dans la DI comme&lt;/b&gt; : des valeurs plus élevées (par défaut), des valeurs plus faibles (une baisse d'une DI signée comme un log-rapport sur une inondation : la ROC est celle de -DI et la règle devient « changé quand DI &amp;lt;= seuil ») ou une amplitude |DI| plus grande (bilatéral).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échantillon ROC équilibré&lt;/b&gt; : calculer la ROC sur tous les pixels changés et autant de pixels inchangés tirés au hasard (ou l'inverse, selon la classe la plus grande ; graine fixe 0), comme le font Alatalo, Sipola &amp;amp; Rantonen (2023). L'AUC ne dépend pas du rapport entre les classes ; cela change donc surtout l'erreur d'échantillonnage.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;La bande 1 de chaque raster est utilisée.&lt;/p&gt;&lt;h3&gt;Mesures&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;VP, FP (fausses alarmes), FN (détections manquées), VN en pixels ; erreur globale OE = FP + FN (pixels) ; pourcentage de classification correcte PCC = 100 (VP + VN) / N (%).&lt;/li&gt;&lt;li&gt;Kappa de Cohen = (p_o - p_e) / (1 - p_e), avec p_o = (VP + VN) / N et p_e = [(VP + FP)(VP + FN) + (FN + VN)(FP + VN)] / N^2 (Cohen 1960 ; Congalton 1991).&lt;/li&gt;&lt;li&gt;Précision VP / (VP + FP), rappel VP / (VP + FN), F1 = 2 VP / (2 VP + FP + FN), IoU = VP / (VP + FP + FN).&lt;/li&gt;&lt;li&gt;Courbe ROC et son aire (AUC, méthode des trapèzes, ex aequo comptés pour moitié ; Fawcett 2006).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Les comptes de la matrice de confusion utilisent tous les pixels, lus bloc par bloc. La ROC et les histogrammes utilisent tous les pixels jusqu'à 4 millions de pixels ; les scènes plus grandes sont échantillonnées systématiquement (une ligne et une colonne toutes les s, s le plus petit qui garde l'échantillon à 4 millions de pixels au plus), ce qui couvre la scène uniformément. Les mesures non définies (par ex. la précision sans changement prédit, l'AUC sans image de différence) sont indiquées NaN.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="84" />
            <source>Evaluate change detection</source>
            <translation>Évaluer la détection de changements</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="99" />
            <source>Change map (prediction: 0 unchanged, 1 changed)</source>
            <translation>Carte des changements (prédiction : 0 inchangé, 1 changé)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="101" />
            <source>Difference image (larger = more change)</source>
            <translation>Image de différence (plus grand = plus de changement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="103" />
            <source>Reference change mask (0 unchanged, 1 or 255 changed)</source>
            <translation>Masque de changement de référence (0 inchangé, 1 ou 255 changé)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="105" />
            <source>DI threshold (changed when DI &gt;= threshold)</source>
            <translation>Seuil de la DI (changé quand DI &gt;= seuil)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="108" />
            <source>Change in the DI shows as</source>
            <translation>Le changement apparaît dans la DI comme</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="108" />
            <source>Higher values (e.g. Euclidean norm, mean ratio)</source>
            <translation>Des valeurs plus élevées (par ex. norme euclidienne, rapport des moyennes)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="108" />
            <source>Lower values (a decrease in a signed DI, e.g. flooding in a log-ratio)</source>
            <translation>Des valeurs plus faibles (une baisse d'une DI signée, par ex. une inondation dans un log-rapport)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="108" />
            <source>Larger magnitude |DI| (two-sided)</source>
            <translation>Une amplitude |DI| plus grande (bilatéral)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="113" />
            <source>Balanced ROC sample (as many unchanged as changed pixels)</source>
            <translation>Échantillon ROC équilibré (autant de pixels inchangés que changés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="117" />
            <source>Evaluation report</source>
            <translation>Rapport d'évaluation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="117" />
            <source>HTML files (*.html *.HTML)</source>
            <translation>Fichiers HTML (*.html *.HTML)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="120" />
            <source>Evaluation numbers (JSON)</source>
            <translation>Chiffres de l'évaluation (JSON)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="120" />
            <source>JSON files (*.json *.JSON)</source>
            <translation>Fichiers JSON (*.json *.JSON)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="123" />
            <source>Cohen's kappa</source>
            <translation>Kappa de Cohen</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="124" />
            <source>Percentage correct classification (%)</source>
            <translation>Pourcentage de classification correcte (%)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="125" />
            <source>F1 score</source>
            <translation>Score F1</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="126" />
            <source>Area under the ROC curve</source>
            <translation>Aire sous la courbe ROC</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="140" />
            <source>Give a change map (prediction), a difference image, or both</source>
            <translation>Donnez une carte des changements (prédiction), une image de différence, ou les deux</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="147" />
            <source>The DI threshold must be a finite number</source>
            <translation>Le seuil de la DI doit être un nombre fini</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="178" />
            <source>Cancelled: no report was written.</source>
            <translation>Annulé : aucun rapport n'a été écrit.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="181" />
            <source>Cannot evaluate: {error}</source>
            <translation>Évaluation impossible : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="209" />
            <source>Cannot write the report {path}: {error}</source>
            <translation>Impossible d'écrire le rapport {path} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="221" />
            <source>TP {tp}, FP {fp}, FN {fn}, TN {tn} pixels; OE {oe} pixels</source>
            <translation>VP {tp}, FP {fp}, FN {fn}, VN {tn} pixels ; OE {oe} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="223" />
            <source>Kappa {kappa:.4f}, PCC {pcc:.2f} %, F1 {f1:.4f}, AUC {auc:.4f}</source>
            <translation>Kappa {kappa:.4f}, PCC {pcc:.2f} %, F1 {f1:.4f}, AUC {auc:.4f}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="239" />
            <source>Layer '{name}' is not on the grid of the reference layer '{ref}': {why}. Please resample/coregister onto the reference grid (e.g. GDAL Warp with the reference's CRS, extent and pixel size) first.</source>
            <translation>La couche « {name} » n'est pas sur la grille de la couche de référence « {ref} » : {why}. Rééchantillonnez-la ou recalez-la d'abord sur la grille de référence (par ex. GDAL Warp avec le SCR, l'emprise et la taille de pixel de la référence).</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/evaluate_change.py" line="248" />
            <source>Layer '{name}' has {bands} bands; band 1 is used.</source>
            <translation>La couche « {name} » a {bands} bandes ; la bande 1 est utilisée.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="52" />
            <source>&lt;p&gt;Fine-tunes a learned difference-image model (default: the model shipped with the plugin) on &lt;b&gt;your own stack&lt;/b&gt;: the network learns to predict each acquisition &lt;i&gt;before&lt;/i&gt; the target date from the acquisitions before it, the DEM and the conditions. No labels are needed, the target date is never used, and the simulated change dates (change_date.tif) are ignored. Use the fine-tuned model in &lt;i&gt;Learned difference image&lt;/i&gt; on the target.&lt;/p&gt;&lt;p&gt;A model trained elsewhere (another climate, relief, speckle level) often predicts a new area with a bias; a short fine-tune on the area's history removes most of it. The model written is the best on the last earlier dates (validation), the starting model included: it is never worse there than the model it started from.&lt;/p&gt;&lt;p&gt;Before training, the target's conditions (temperature, precipitation, snow depth, incidence) are compared with the model's valid ranges; values outside are reported as warnings.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Acquisitions table&lt;/b&gt;: the acquisitions.csv of the stack (with dem.tif beside it), as for &lt;i&gt;Learned difference image&lt;/i&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Target date&lt;/b&gt;: YYYY-MM-DD (empty: the newest acquisition); only earlier acquisitions are used.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model to start from&lt;/b&gt;: a learned-DI .onnx (empty: the shipped model).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Time budget&lt;/b&gt;: minutes of training (the best model so far is kept).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Python with PyTorch&lt;/b&gt;, &lt;b&gt;Threads&lt;/b&gt;, &lt;b&gt;Seed&lt;/b&gt;, &lt;b&gt;Patch size&lt;/b&gt;, &lt;b&gt;Learning rate&lt;/b&gt;, &lt;b&gt;Freeze the encoder for the first epochs&lt;/b&gt; (advanced).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fine-tuned model&lt;/b&gt;: the .onnx written, with its checkpoint (.pt) and model card (.md) beside it.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Affine un modèle d'image de différence apprise (par défaut : le modèle fourni avec l'extension) sur &lt;b&gt;votre propre pile&lt;/b&gt; : le réseau apprend à prédire chaque acquisition &lt;i&gt;antérieure&lt;/i&gt; à la date cible à partir des acquisitions qui la précèdent, du MNT et des conditions. Aucune étiquette n'est nécessaire, la date cible n'est jamais utilisée et les dates de changement simulées (change_date.tif) sont ignorées. Utilisez le modèle affiné dans &lt;i&gt;Image de différence apprise&lt;/i&gt; sur la cible.&lt;/p&gt;&lt;p&gt;Un modèle entraîné ailleurs (autre climat, autre relief, autre niveau de chatoiement) prédit souvent une nouvelle zone avec un biais ; un court affinage sur l'historique de la zone en retire l'essentiel. Le modèle écrit est le meilleur sur les dernières dates antérieures (validation), modèle de départ compris : il n'y est jamais moins bon que le modèle dont il est parti.&lt;/p&gt;&lt;p&gt;Avant l'entraînement, les conditions de la cible (température, précipitations, hauteur de neige, incidence) sont comparées aux plages valides du modèle ; les valeurs hors plage sont signalées par des avertissements.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Table des acquisitions&lt;/b&gt; : l'acquisitions.csv de la pile (avec dem.tif à côté), comme pour &lt;i&gt;Image de différence apprise&lt;/i&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Date cible&lt;/b&gt; : AAAA-MM-JJ (vide : l'acquisition la plus récente) ; seules les acquisitions antérieures sont utilisées.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle de départ&lt;/b&gt; : un .onnx de DI apprise (vide : le modèle fourni).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Budget de temps&lt;/b&gt; : minutes d'entraînement (le meilleur modèle obtenu jusque-là est conservé).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Python avec PyTorch&lt;/b&gt;, &lt;b&gt;Fils d'exécution&lt;/b&gt;, &lt;b&gt;Graine&lt;/b&gt;, &lt;b&gt;Taille des imagettes&lt;/b&gt;, &lt;b&gt;Taux d'apprentissage&lt;/b&gt;, &lt;b&gt;Geler l'encodeur pendant les premières époques&lt;/b&gt; (avancés).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle affiné&lt;/b&gt; : le .onnx écrit, avec son point de contrôle (.pt) et sa fiche (.md) à côté.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="112" />
            <source>Fine-tune learned difference image model on a stack</source>
            <translation>Affiner un modèle d'image de différence apprise sur une pile</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="91" />
            <source>Learned difference image</source>
            <translation>Image de différence apprise</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="145" />
            <source>Acquisitions table (acquisitions.csv of a stack)</source>
            <translation>Table des acquisitions (acquisitions.csv d'une pile)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="131" />
            <source>Target date (YYYY-MM-DD; empty: the newest acquisition); only earlier acquisitions are used</source>
            <translation>Date cible (AAAA-MM-JJ ; vide : l'acquisition la plus récente) ; seules les acquisitions antérieures sont utilisées</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="134" />
            <source>Model to start from (empty: the shipped model)</source>
            <translation>Modèle de départ (vide : le modèle fourni)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="137" />
            <source>Time budget (minutes)</source>
            <translation>Budget de temps (minutes)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="265" />
            <source>Patch size (pixels, multiple of 16)</source>
            <translation>Taille des imagettes (pixels, multiple de 16)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="145" />
            <source>Learning rate</source>
            <translation>Taux d'apprentissage</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="147" />
            <source>Freeze the encoder for the first epochs</source>
            <translation>Geler l'encodeur pendant les premières époques</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="151" />
            <source>Fine-tuned model</source>
            <translation>Modèle affiné</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="489" />
            <source>Checkpoint (.pt)</source>
            <translation>Point de contrôle (.pt)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="491" />
            <source>Model card (.md)</source>
            <translation>Fiche du modèle (.md)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="155" />
            <source>Best epoch (0 = the starting model)</source>
            <translation>Meilleure époque (0 = le modèle de départ)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="156" />
            <source>Validation loss of the starting model</source>
            <translation>Perte de validation du modèle de départ</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="158" />
            <source>Validation loss of the fine-tuned model</source>
            <translation>Perte de validation du modèle affiné</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="160" />
            <source>Target conditions outside the model's valid ranges</source>
            <translation>Conditions de la cible hors des plages valides du modèle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="170" />
            <source>Fine-tuning on {table}: {error}</source>
            <translation>Affinage sur {table} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="186" />
            <source>Starting model {model}; target {date}: training on the {count} acquisitions before it ({targets} with {n} earlier ones)</source>
            <translation>Modèle de départ {model} ; cible {date} : entraînement sur les {count} acquisitions qui la précèdent ({targets} avec {n} acquisitions antérieures)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="191" />
            <source> (ranges approximated from the model's normalisation: training mean +- 2.5 standard deviations)</source>
            <translation> (plages approchées à partir de la normalisation du modèle : moyenne d'entraînement +- 2,5 écarts types)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="193" />
            <source>The target's conditions lie outside the starting model's valid ranges{how}: {items}. The model extrapolates there; fine-tuning on earlier acquisitions under similar conditions helps.</source>
            <translation>Les conditions de la cible sont hors des plages valides du modèle de départ{how} : {items}. Le modèle y extrapole ; un affinage sur des acquisitions antérieures dans des conditions semblables aide.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/finetune_learned_di.py" line="214" />
            <source>Validation loss on the dates before the target: {before:.4g} (starting model) -&gt; {after:.4g} (fine-tuned)</source>
            <translation>Perte de validation sur les dates antérieures à la cible : {before:.4g} (modèle de départ) -&gt; {after:.4g} (affiné)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="52" />
            <source>&lt;p&gt;Injects simulated changes into a SAR image, to evaluate change detection (difference images and classifiers) against a known change mask, as Alatalo, Sipola &amp;amp; Rantonen (2023, IEEE TGRS 61) do. Irregular blobs (or your polygons) are drawn on the image and the pixels whose centre falls inside are changed in the selected bands.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Input SAR raster&lt;/b&gt;: a file-based GDAL raster. It is read whole into memory (about 4 bytes per pixel and band, twice): use it on evaluation scenes or clips, not on full archives.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bands to change&lt;/b&gt;: default all bands. The other bands are copied unchanged (e.g. leave out an incidence-angle band). A pixel that is no data in any band to change is never changed.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: linear power (intensity), amplitude or dB. A dB raster declared as linear power or amplitude is refused.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Change&lt;/b&gt;: &lt;ul&gt;&lt;li&gt;Offset change in dB: every changed pixel gets the offset added in dB, i.e. linear power multiplied by 10^(offset/10) (amplitude by 10^(offset/20)).&lt;/li&gt;&lt;li&gt;Statistical change (CDF mapping): the values inside each blob are mapped through their own empirical CDF and the inverse empirical CDF of a target class: they keep their rank (texture) but take the target's distribution. Each band is mapped independently. The target class is the target mask when given; otherwise, per blob, a copy of the blob shifted to a random unchanged, valid place whose mean differs by at least 1 dB from the blob's (the most different of 64 tries when none does).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Offset (dB)&lt;/b&gt;: offset change, e.g. -2.5 (darker, as flooding or felling).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Change polygons&lt;/b&gt; (optional): polygons (any CRS; reprojected to the raster's) to change instead of random blobs.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Number of blobs, Blob radius (pixels), Vertices per blob, Irregularity (0..1), Spikiness (0..1)&lt;/b&gt;: random star-shaped blobs: angular steps of 2&amp;pi;/n (1 &amp;plusmn; irregularity), vertex distances Normal(radius, spikiness &amp;times; radius) clipped to [0, 2 radius]. Blobs lie inside the image on valid pixels and do not touch each other (centres at least 2 radii apart).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Random seed&lt;/b&gt;: the same seed gives the same blobs and targets.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Target class mask&lt;/b&gt; (optional, statistical change): a raster on the input's grid whose non-zero pixels sample the target class.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Outputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Changed raster&lt;/b&gt;: float32 GeoTIFF with the input's grid, CRS, no-data value and band descriptions.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Change mask&lt;/b&gt;: uint8 GeoTIFF, 1 changed, 0 unchanged, 255 no data (its no-data value).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Change polygons&lt;/b&gt; (optional): the blobs (or your polygons) in the raster CRS, with the number of changed pixels and the band-1 mean before and after (dB).&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Injecte des changements simulés dans une image SAR, pour évaluer la détection de changements (images de différence et classifieurs) face à un masque de changement connu, comme le font Alatalo, Sipola &amp;amp; Rantonen (2023, IEEE TGRS 61). Des taches irrégulières (ou vos polygones) sont dessinées sur l'image et les pixels dont le centre tombe à l'intérieur sont modifiés dans les bandes choisies.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster SAR en entrée&lt;/b&gt; : un raster GDAL sur fichier. Il est lu entièrement en mémoire (environ 4 octets par pixel et par bande, deux fois) : utilisez-le sur des scènes d'évaluation ou des extraits, pas sur des archives entières.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bandes à modifier&lt;/b&gt; : par défaut toutes les bandes. Les autres bandes sont copiées telles quelles (par ex. laissez de côté une bande d'angle d'incidence). Un pixel sans donnée dans l'une des bandes à modifier n'est jamais modifié.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : puissance linéaire (intensité), amplitude ou dB. Un raster en dB déclaré en puissance linéaire ou en amplitude est refusé.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Changement&lt;/b&gt; : &lt;ul&gt;&lt;li&gt;Changement par décalage en dB : chaque pixel modifié reçoit le décalage ajouté en dB, c.-à-d. la puissance linéaire multipliée par 10^(décalage/10) (l'amplitude par 10^(décalage/20)).&lt;/li&gt;&lt;li&gt;Changement statistique (appariement de fonctions de répartition) : les valeurs de chaque tache passent par leur propre fonction de répartition empirique puis par l'inverse de celle d'une classe cible : elles gardent leur rang (la texture) mais prennent la distribution de la cible. Chaque bande est transformée indépendamment. La classe cible est le masque cible s'il est donné ; sinon, pour chaque tache, une copie de la tache déplacée à un endroit aléatoire inchangé et valide dont la moyenne diffère d'au moins 1 dB de celle de la tache (la plus différente de 64 essais si aucune ne convient).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Décalage (dB)&lt;/b&gt; : changement par décalage, par ex. -2.5 (plus sombre, comme une inondation ou une coupe).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Polygones de changement&lt;/b&gt; (optionnels) : des polygones (dans n'importe quel SCR ; reprojetés dans celui du raster) à modifier au lieu de taches aléatoires.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Nombre de taches, Rayon des taches (pixels), Sommets par tache, Irrégularité (0..1), Pointes (0..1)&lt;/b&gt; : taches aléatoires en étoile : pas angulaires de 2&amp;pi;/n (1 &amp;plusmn; irrégularité), distances des sommets Normale(rayon, pointes &amp;times; rayon) bornées à [0, 2 rayons]. Les taches sont dans l'image sur des pixels valides et ne se touchent pas (centres espacés d'au moins 2 rayons).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Graine aléatoire&lt;/b&gt; : la même graine donne les mêmes taches et les mêmes cibles.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masque de la classe cible&lt;/b&gt; (optionnel, changement statistique) : un raster sur la grille de l'entrée dont les pixels non nuls échantillonnent la classe cible.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Sorties&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster modifié&lt;/b&gt; : GeoTIFF float32 avec la grille, le SCR, la valeur sans donnée et les descriptions de bandes de l'entrée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masque de changement&lt;/b&gt; : GeoTIFF uint8, 1 changé, 0 inchangé, 255 sans donnée (sa valeur sans donnée).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Polygones de changement&lt;/b&gt; (optionnels) : les taches (ou vos polygones) dans le SCR du raster, avec le nombre de pixels modifiés et la moyenne de la bande 1 avant et après (dB).&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="161" />
            <source>Inject simulated changes</source>
            <translation>Injecter des changements simulés</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="212" />
            <source>Simulation</source>
            <translation>Simulation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="178" />
            <source>Bands to change (default: all)</source>
            <translation>Bandes à modifier (par défaut : toutes)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="48" />
            <source>Change</source>
            <translation>Changement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="183" />
            <source>Offset change in dB</source>
            <translation>Changement par décalage en dB</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="183" />
            <source>Statistical change (CDF mapping)</source>
            <translation>Changement statistique (appariement de fonctions de répartition)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="186" />
            <source>Offset (dB)</source>
            <translation>Décalage (dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="187" />
            <source>Change polygons (default: random blobs)</source>
            <translation>Polygones de changement (par défaut : taches aléatoires)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="190" />
            <source>Number of blobs</source>
            <translation>Nombre de taches</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="192" />
            <source>Blob radius (pixels)</source>
            <translation>Rayon des taches (pixels)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="194" />
            <source>Vertices per blob</source>
            <translation>Sommets par tache</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="196" />
            <source>Irregularity (0..1)</source>
            <translation>Irrégularité (0..1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="198" />
            <source>Spikiness (0..1)</source>
            <translation>Pointes (0..1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="161" />
            <source>Random seed</source>
            <translation>Graine aléatoire</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="202" />
            <source>Target class mask (statistical change; non-zero pixels)</source>
            <translation>Masque de la classe cible (changement statistique ; pixels non nuls)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="205" />
            <source>Changed raster</source>
            <translation>Raster modifié</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="166" />
            <source>Change mask</source>
            <translation>Masque de changement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="207" />
            <source>Change polygons</source>
            <translation>Polygones de changement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="224" />
            <source>an offset of {offset} dB changes nothing: give a non-zero offset, e.g. -2.5</source>
            <translation>un décalage de {offset} dB ne change rien : donnez un décalage non nul, par ex. -2.5</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="227" />
            <source>the number of blobs must be &gt;= 1, e.g. 5</source>
            <translation>le nombre de taches doit être &gt;= 1, par ex. 5</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="229" />
            <source>the blob radius must be &gt; 0 pixels, e.g. 20</source>
            <translation>le rayon des taches doit être &gt; 0 pixel, par ex. 20</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="231" />
            <source>a blob needs at least 3 vertices, e.g. 16</source>
            <translation>une tache demande au moins 3 sommets, par ex. 16</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="232" />
            <source>irregularity</source>
            <translation>irrégularité</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="232" />
            <source>spikiness</source>
            <translation>pointes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="234" />
            <source>{name} must be between 0 and 1, e.g. 0.5</source>
            <translation>{name} doit être compris entre 0 et 1, par ex. 0.5</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="277" />
            <source>Reading {name} ({x} x {y} pixels, {n} band(s)) into memory</source>
            <translation>Lecture de {name} ({x} x {y} pixels, {n} bande(s)) en mémoire</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="289" />
            <source>Placed {n} random blobs of radius {r} pixels (seed {seed})</source>
            <translation>{n} taches aléatoires de rayon {r} pixels placées (graine {seed})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="313" />
            <source>The change polygons</source>
            <translation>Les polygones de changement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="316" />
            <source>The change polygon layer has no polygon: draw some, or leave it empty for random blobs</source>
            <translation>La couche de polygones de changement n'a aucun polygone : dessinez-en, ou laissez-la vide pour des taches aléatoires</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="325" />
            <source>The polygons of layer '{layer}' do not overlap raster '{raster}' (no pixel centre inside, after reprojection to the raster CRS): draw them over the raster, or leave the polygons empty for random blobs</source>
            <translation>Les polygones de la couche « {layer} » ne recouvrent pas le raster « {raster} » (aucun centre de pixel à l'intérieur, après reprojection dans le SCR du raster) : dessinez-les sur le raster, ou laissez les polygones vides pour des taches aléatoires</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="330" />
            <source>The polygons of layer '{layer}' cover only no-data pixels of raster '{raster}': draw them over valid pixels</source>
            <translation>Les polygones de la couche « {layer} » ne couvrent que des pixels sans donnée du raster « {raster} » : dessinez-les sur des pixels valides</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="352" />
            <source>The target class mask is used by the statistical change only; ignored.</source>
            <translation>Le masque de la classe cible ne sert qu'au changement statistique ; ignoré.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/inject_changes.py" line="385" />
            <source>Region {label}: {pixels} pixels changed, band {band} mean {before:.2f} dB -&gt; {after:.2f} dB</source>
            <translation>Région {label} : {pixels} pixels modifiés, moyenne de la bande {band} {before:.2f} dB -&gt; {after:.2f} dB</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="35" />
            <source>Install optional Python packages</source>
            <translation>Installer les paquets Python optionnels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="38" />
            <source>Setup</source>
            <translation>Configuration</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="44" />
            <source>&lt;p&gt;Installs the optional Python packages of SAR Change into a folder owned by the plugin, with pip install --target, for the Python that runs QGIS: onnxruntime (applies the learned difference image model and saved SVM models), scikit-learn (trains the SVM change classifier) and skl2onnx (saves SVM models as ONNX). numpy is pinned to the version QGIS already uses, so nothing QGIS relies on changes; the folder is added to Python's search path when the plugin loads. Installing into a separate folder also works where the system Python refuses pip (Debian and Ubuntu's externally managed Python).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Packages&lt;/b&gt;: which ones to install. &lt;b&gt;Only the missing ones&lt;/b&gt;: skip packages QGIS can already import. &lt;b&gt;Extra requirements&lt;/b&gt;: further pip requirements, separated by spaces (for example a pinned version). &lt;b&gt;Folder&lt;/b&gt;: where to install; empty uses the setting in Processing &amp;gt; Options &amp;gt; Providers &amp;gt; SAR Change, by default a folder in the QGIS profile.&lt;/p&gt;&lt;p&gt;pip needs network access to the Python Package Index. Restart QGIS afterwards so that every algorithm sees the new packages.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Installe les paquets Python optionnels de SAR Change dans un dossier propre à l'extension, avec pip install --target, pour le Python qui exécute QGIS : onnxruntime (applique le modèle d'image de différence apprise et les modèles SVM enregistrés), scikit-learn (entraîne le classifieur de changements SVM) et skl2onnx (enregistre les modèles SVM en ONNX). numpy est fixé à la version qu'utilise déjà QGIS, rien de ce dont dépend QGIS ne change donc ; le dossier est ajouté au chemin de recherche de Python au chargement de l'extension. L'installation dans un dossier séparé fonctionne aussi là où le Python du système refuse pip (Python « géré extérieurement » de Debian et d'Ubuntu).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Paquets&lt;/b&gt; : ceux à installer. &lt;b&gt;Seulement ceux qui manquent&lt;/b&gt; : ignorer les paquets que QGIS peut déjà importer. &lt;b&gt;Exigences supplémentaires&lt;/b&gt; : d'autres exigences pip, séparées par des espaces (par exemple une version fixée). &lt;b&gt;Dossier&lt;/b&gt; : où installer ; vide, le réglage de Traitement &amp;gt; Options &amp;gt; Fournisseurs &amp;gt; SAR Change est utilisé, par défaut un dossier du profil QGIS.&lt;/p&gt;&lt;p&gt;pip a besoin d'un accès réseau au Python Package Index. Redémarrez ensuite QGIS pour que tous les algorithmes voient les nouveaux paquets.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="67" />
            <source>Packages</source>
            <translation>Paquets</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="70" />
            <source>Only the missing ones</source>
            <translation>Seulement ceux qui manquent</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="72" />
            <source>Extra requirements (pip syntax, space separated)</source>
            <translation>Exigences supplémentaires (syntaxe pip, séparées par des espaces)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="74" />
            <source>Folder (empty: the provider setting)</source>
            <translation>Dossier (vide : le réglage du fournisseur)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="76" />
            <source>Dependency folder</source>
            <translation>Dossier des dépendances</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="77" />
            <source>Installed requirements</source>
            <translation>Exigences installées</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="88" />
            <source>Nothing to install: every chosen package can already be imported.</source>
            <translation>Rien à installer : chaque paquet choisi peut déjà être importé.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="90" />
            <source>Installing {req} into {folder}</source>
            <translation>Installation de {req} dans {folder}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="95" />
            <source>Could not install {req} into {folder}: {error}. Check the network access to the Python Package Index, or install the packages into QGIS's Python by other means.</source>
            <translation>Impossible d'installer {req} dans {folder} : {error}. Vérifiez l'accès réseau au Python Package Index, ou installez les paquets dans le Python de QGIS par d'autres moyens.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/install_dependencies.py" line="101" />
            <source>Installed, but not importable yet: {names}. Restart QGIS.</source>
            <translation>Installé, mais pas encore importable : {names}. Redémarrez QGIS.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="45" />
            <source>Model '{path}' does not fit the data: {error}</source>
            <translation>Le modèle « {path} » ne correspond pas aux données : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="48" />
            <source>Input '{name}': {error}</source>
            <translation>Entrée « {name} » : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="52" />
            <source>&lt;p&gt;Learned difference image (Alatalo, Sipola &amp;amp; Rantonen 2023, IEEE TGRS 61): a trained network predicts the target acquisition's VV and VH backscatter (dB) from the N acquisitions before it, the DEM and each acquisition's conditions (temperature, precipitation, snow depth, orbit heading, mean incidence angle, platform). The learned difference image is the observed target minus the prediction, per band, in dB; its Euclidean norm over VV and VH is the multi-band difference image of the paper. Changes explained by weather, season or geometry are largely removed; real land-cover changes remain. Threshold the norm with &lt;i&gt;Threshold change&lt;/i&gt; or classify it with &lt;i&gt;SVM change classifier&lt;/i&gt;.&lt;/p&gt;&lt;h3&gt;Inputs: a stack table, or layers and conditions&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Acquisitions table&lt;/b&gt;: the acquisitions.csv of a stack (as written by &lt;i&gt;Simulate Sentinel-1 stack&lt;/i&gt;): columns date, platform, orbit_direction, heading_deg, mean_incidence_deg, temperature_c, precip_mm, precip_3day_mm, snow_depth_m and file (the GeoTIFF, relative to the table, bands described VV and VH). The N earlier acquisitions are the N most recent before the target date.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Target date&lt;/b&gt;: YYYY-MM-DD (empty: the newest acquisition); add the orbit direction ('2020-03-15 descending') when two acquisitions share the date.&lt;/li&gt;&lt;li&gt;Without a table: &lt;b&gt;Earlier acquisitions&lt;/b&gt; (exactly N rasters, oldest first), the &lt;b&gt;Target acquisition&lt;/b&gt; and &lt;b&gt;Conditions&lt;/b&gt;: a CSV with the columns above (rows matched to the rasters by the file column, else in order), or typed lines, one per acquisition, earlier ones oldest first then the target, each either &lt;code&gt;date=2020-03-13, platform=S1A, orbit_direction=ascending, heading_deg=349, mean_incidence_deg=40.4, temperature_c=0.1, precip_mm=1.5, precip_3day_mm=0, snow_depth_m=0.01&lt;/code&gt; or the 8 condition values temperature_c, precip_mm, precip_3day_mm, snow_depth_m, sin_heading, cos_heading, mean_incidence_deg, platform_s1b (0 = S1A, 1 = S1B).&lt;/li&gt;&lt;li&gt;&lt;b&gt;DEM&lt;/b&gt;: elevation in metres on the stack's grid (default: dem.tif beside the table or the target).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: how the images are stored (linear power by default).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model&lt;/b&gt;: a learned-DI .onnx file (default: the model shipped with the plugin, models/learned_di.onnx, if there is one). Train one with &lt;i&gt;Train learned difference image model&lt;/i&gt;. The model's metadata set N, the bands and the conditions; a mismatch stops the run with the fix.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Threads&lt;/b&gt;: onnxruntime threads.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Tile size&lt;/b&gt;, &lt;b&gt;Overlap&lt;/b&gt; (advanced): tile side and the border per side shared with the neighbouring tiles, pixels (0 and -1: the model's values). Tiles are blended with raised-cosine weights, so no seams appear.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;All rasters must share one grid (run &lt;i&gt;Coregister SAR stack&lt;/i&gt; first). The scene is held in memory (about 8N + 30 bytes per pixel, 4 GB for 8000 x 8000 pixels and N = 4; larger scenes are refused: clip them into parts).&lt;/p&gt;&lt;h3&gt;Outputs (float32 GeoTIFF, NaN = no data)&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Predicted image&lt;/b&gt;: the predicted VV and VH of the target, dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Learned DI&lt;/b&gt;: observed minus predicted, VV and VH, dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Learned DI norm&lt;/b&gt;: sqrt(DI_VV^2 + DI_VH^2), dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Conventional DI&lt;/b&gt; (optional): sqrt of the summed squared dB differences between the target and one earlier reference acquisition chosen as in Alatalo et al. (method 1: same orbit direction, closest mean incidence angle), for comparison: among all earlier acquisitions of the table, or among the given earlier layers.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Image de différence apprise (Alatalo, Sipola &amp;amp; Rantonen 2023, IEEE TGRS 61) : un réseau entraîné prédit la rétrodiffusion VV et VH (dB) de l'acquisition cible à partir des N acquisitions qui la précèdent, du MNT et des conditions de chaque acquisition (température, précipitations, épaisseur de neige, cap de l'orbite, angle d'incidence moyen, plateforme). L'image de différence apprise est la cible observée moins la prédiction, par bande, en dB ; sa norme euclidienne sur VV et VH est l'image de différence multibande de l'article. Les changements dus à la météo, à la saison ou à la géométrie sont en grande partie supprimés ; les vrais changements d'occupation du sol restent. Seuillez la norme avec &lt;i&gt;Seuiller les changements&lt;/i&gt; ou classez-la avec &lt;i&gt;Classifieur de changements SVM&lt;/i&gt;.&lt;/p&gt;&lt;h3&gt;Entrées : une table de pile, ou des couches et des conditions&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Table des acquisitions&lt;/b&gt; : l'acquisitions.csv d'une pile (telle qu'écrite par &lt;i&gt;Simuler une pile Sentinel-1&lt;/i&gt;) : colonnes date, platform, orbit_direction, heading_deg, mean_incidence_deg, temperature_c, precip_mm, precip_3day_mm, snow_depth_m et file (le GeoTIFF, relatif à la table, bandes décrites VV et VH). Les N acquisitions antérieures sont les N plus récentes avant la date cible.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Date cible&lt;/b&gt; : AAAA-MM-JJ (vide : l'acquisition la plus récente) ; ajoutez le sens d'orbite (« 2020-03-15 descending ») quand deux acquisitions ont la même date.&lt;/li&gt;&lt;li&gt;Sans table : les &lt;b&gt;Acquisitions antérieures&lt;/b&gt; (exactement N rasters, de la plus ancienne à la plus récente), l'&lt;b&gt;Acquisition cible&lt;/b&gt; et les &lt;b&gt;Conditions&lt;/b&gt; : un CSV avec les colonnes ci-dessus (lignes associées aux rasters par la colonne file, sinon dans l'ordre), ou des lignes saisies, une par acquisition, les antérieures de la plus ancienne à la plus récente puis la cible, chacune soit &lt;code&gt;date=2020-03-13, platform=S1A, orbit_direction=ascending, heading_deg=349, mean_incidence_deg=40.4, temperature_c=0.1, precip_mm=1.5, precip_3day_mm=0, snow_depth_m=0.01&lt;/code&gt;, soit les 8 valeurs de conditions temperature_c, precip_mm, precip_3day_mm, snow_depth_m, sin_heading, cos_heading, mean_incidence_deg, platform_s1b (0 = S1A, 1 = S1B).&lt;/li&gt;&lt;li&gt;&lt;b&gt;MNT&lt;/b&gt; : altitude en mètres sur la grille de la pile (par défaut : dem.tif à côté de la table ou de la cible).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : comment les images sont stockées (puissance linéaire par défaut).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle&lt;/b&gt; : un fichier .onnx de DI apprise (par défaut : le modèle fourni avec l'extension, models/learned_di.onnx, s'il existe). Entraînez-en un avec &lt;i&gt;Entraîner un modèle d'image de différence apprise&lt;/i&gt;. Les métadonnées du modèle fixent N, les bandes et les conditions ; une incohérence arrête l'exécution en indiquant la correction.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fils d'exécution&lt;/b&gt; : fils d'onnxruntime.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Taille des tuiles&lt;/b&gt;, &lt;b&gt;Recouvrement&lt;/b&gt; (avancé) : côté des tuiles et bordure par côté partagée avec les tuiles voisines, en pixels (0 et -1 : les valeurs du modèle). Les tuiles sont fondues avec des poids en cosinus surélevé, sans raccords visibles.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Tous les rasters doivent partager une même grille (lancez d'abord &lt;i&gt;Recaler une pile SAR&lt;/i&gt;). La scène est gardée en mémoire (environ 8N + 30 octets par pixel, 4 Go pour 8000 x 8000 pixels et N = 4 ; les scènes plus grandes sont refusées : découpez-les en parties).&lt;/p&gt;&lt;h3&gt;Sorties (GeoTIFF float32, NaN = sans donnée)&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Image prédite&lt;/b&gt; : VV et VH prédits de la cible, dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;DI apprise&lt;/b&gt; : observé moins prédit, VV et VH, dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Norme de la DI apprise&lt;/b&gt; : sqrt(DI_VV^2 + DI_VH^2), dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;DI conventionnelle&lt;/b&gt; (optionnelle) : racine de la somme des carrés des différences en dB entre la cible et une acquisition antérieure de référence choisie comme chez Alatalo et al. (méthode 1 : même sens d'orbite, angle d'incidence moyen le plus proche), pour comparaison : parmi toutes les acquisitions antérieures de la table, ou parmi les couches antérieures données.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="91" />
            <source>&lt;h3&gt;Centring on the scene medians&lt;/h3&gt;&lt;p&gt;With &lt;b&gt;Centre each residual band on its scene median&lt;/b&gt; (on by default) the learned DI of each band is observed minus predicted minus that difference's median over the whole scene, in dB, and the norm is taken of these centred values. A bias of the prediction over the whole scene (calibration, weather, wet soil or snow that the conditions do not explain) would otherwise raise the norm everywhere and rank the changed pixels worse; the median is not moved by the changed pixels as long as they cover less than half of the scene. The subtracted offsets (dB per band) are shown in the log, returned as results and written in the metadata of the learned DI and its norm (LEARNED_DI_OFFSET_DB_VV, LEARNED_DI_OFFSET_DB_VH). Untick it for the raw observed minus predicted.&lt;/p&gt;</source>
            <translation>&lt;h3&gt;Centrage sur les médianes de la scène&lt;/h3&gt;&lt;p&gt;Avec &lt;b&gt;Centrer chaque bande résiduelle sur sa médiane sur la scène&lt;/b&gt; (activé par défaut), l'image de différence apprise de chaque bande est l'observé moins le prédit moins la médiane de cette différence sur toute la scène, en dB, et la norme est calculée sur ces valeurs centrées. Sans cela, un biais de la prédiction sur toute la scène (étalonnage, météo, sol humide ou neige que les conditions n'expliquent pas) augmenterait la norme partout et classerait moins bien les pixels changés ; la médiane n'est pas déplacée par les pixels changés tant qu'ils couvrent moins de la moitié de la scène. Les décalages soustraits (dB par bande) sont affichés dans le journal, renvoyés comme résultats et écrits dans les métadonnées de l'image de différence apprise et de sa norme (LEARNED_DI_OFFSET_DB_VV, LEARNED_DI_OFFSET_DB_VH). Décochez l'option pour obtenir l'observé moins le prédit brut.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="148" />
            <source>Target date (YYYY-MM-DD; empty: the newest acquisition)</source>
            <translation>Date cible (AAAA-MM-JJ ; vide : l'acquisition la plus récente)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="151" />
            <source>Earlier acquisitions, oldest first (without a table)</source>
            <translation>Acquisitions antérieures, de la plus ancienne à la plus récente (sans table)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="154" />
            <source>Target acquisition (without a table)</source>
            <translation>Acquisition cible (sans table)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="156" />
            <source>Conditions (without a table): a CSV path, or one line per acquisition</source>
            <translation>Conditions (sans table) : un chemin CSV, ou une ligne par acquisition</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="159" />
            <source>DEM, metres (default: dem.tif beside the table or the target)</source>
            <translation>MNT, mètres (par défaut : dem.tif à côté de la table ou de la cible)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="163" />
            <source>Learned-DI model (.onnx; default: the shipped model)</source>
            <translation>Modèle de DI apprise (.onnx ; par défaut : le modèle fourni)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="166" />
            <source>Centre each residual band on its scene median (removes a scene-wide bias of the prediction)</source>
            <translation>Centrer chaque bande résiduelle sur sa médiane sur la scène (retire un biais de la prédiction commun à toute la scène)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="140" />
            <source>Threads</source>
            <translation>Fils d'exécution</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="171" />
            <source>Tile size (pixels; 0 = the model's)</source>
            <translation>Taille des tuiles (pixels ; 0 = celle du modèle)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="142" />
            <source>Tile overlap per side (pixels; -1 = the model's)</source>
            <translation>Recouvrement des tuiles par côté (pixels ; -1 = celui du modèle)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="178" />
            <source>Predicted image (VV, VH; dB)</source>
            <translation>Image prédite (VV, VH ; dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="180" />
            <source>Learned DI (VV, VH; dB)</source>
            <translation>DI apprise (VV, VH ; dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="182" />
            <source>Learned DI norm (dB)</source>
            <translation>Norme de la DI apprise (dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="185" />
            <source>Conventional DI (Euclidean norm of dB differences)</source>
            <translation>DI conventionnelle (norme euclidienne des différences en dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="189" />
            <source>Offset subtracted from the {band} residual (scene median, dB)</source>
            <translation>Décalage soustrait du résidu {band} (médiane sur la scène, dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="203" />
            <source>Give an acquisitions table (the acquisitions.csv of a stack), or the earlier acquisitions, the target acquisition and their conditions</source>
            <translation>Donnez une table des acquisitions (l'acquisitions.csv d'une pile), ou les acquisitions antérieures, l'acquisition cible et leurs conditions</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="207" />
            <source>Without an acquisitions table the conditions are needed: give a CSV of the acquisitions or one line of values per acquisition (earlier ones oldest first, then the target)</source>
            <translation>Sans table des acquisitions, les conditions sont nécessaires : donnez un CSV des acquisitions ou une ligne de valeurs par acquisition (les antérieures de la plus ancienne à la plus récente, puis la cible)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="234" />
            <source>Acquisitions table '{path}': {error}</source>
            <translation>Table des acquisitions '{path}' : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="140" />
            <source>acquisitions table '{path}'</source>
            <translation>table des acquisitions '{path}'</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="249" />
            <source>Conditions: {error}</source>
            <translation>Conditions : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="253" />
            <source>the conditions</source>
            <translation>les conditions</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="278" />
            <source>No model given and no model shipped with the plugin ({path}): train one with 'Train learned difference image model' and give the .onnx file as the model</source>
            <translation>Aucun modèle donné et aucun modèle fourni avec l'extension ({path}) : entraînez-en un avec « Entraîner un modèle d'image de différence apprise » et donnez le fichier .onnx comme modèle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="289" />
            <source>Warning, {where}: {problem}: the model was not trained for such conditions; the prediction there is less reliable</source>
            <translation>Avertissement, {where} : {problem} : le modèle n'a pas été entraîné pour de telles conditions ; la prédiction y est moins fiable</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="308" />
            <source>Model '{path}': {error}</source>
            <translation>Modèle « {path} » : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="311" />
            <source>Model {path}: {n} earlier acquisitions, bands {bands}, tiles of {tile} pixels with {overlap} pixels of overlap per side</source>
            <translation>Modèle {path} : {n} acquisitions antérieures, bandes {bands}, tuiles de {tile} pixels avec {overlap} pixels de recouvrement par côté</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="316" />
            <source>Model metrics at training: {metrics}</source>
            <translation>Métriques du modèle à l'entraînement : {metrics}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="345" />
            <source>acquisition or DEM</source>
            <translation>acquisition ou MNT</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="372" />
            <source>Model '{model}' predicts from {n} earlier acquisitions but {k} layer(s) were given as earlier acquisitions: give exactly {n}, oldest first, or use a model trained with {k} inputs</source>
            <translation>Le modèle « {model} » prédit à partir de {n} acquisitions antérieures mais {k} couche(s) ont été données comme acquisitions antérieures : donnez-en exactement {n}, de la plus ancienne à la plus récente, ou utilisez un modèle entraîné avec {k} entrées</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="382" />
            <source>No DEM given and no dem.tif beside the target {path}: give the DEM (metres) on the target's grid</source>
            <translation>Aucun MNT donné et pas de dem.tif à côté de la cible {path} : donnez le MNT (mètres) sur la grille de la cible</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="392" />
            <source>the conditions' dates {dates} are not in order: give the earlier acquisitions oldest first, then the target (later than all of them)</source>
            <translation>les dates des conditions {dates} ne sont pas dans l'ordre : donnez les acquisitions antérieures de la plus ancienne à la plus récente, puis la cible (postérieure à toutes)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="407" />
            <source>Target: {target}</source>
            <translation>Cible : {target}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="409" />
            <source>Earlier acquisitions (oldest first): {dates}</source>
            <translation>Acquisitions antérieures (de la plus ancienne à la plus récente) : {dates}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="412" />
            <source>Conventional DI reference (same orbit, closest incidence): {ref}</source>
            <translation>Référence de la DI conventionnelle (même orbite, incidence la plus proche) : {ref}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="415" />
            <source>Residuals centred: scene medians of observed - predicted subtracted: {offsets} (a scene-wide bias of the prediction)</source>
            <translation>Résidus centrés : médianes sur la scène de observé - prédit soustraites : {offsets} (un biais de la prédiction commun à toute la scène)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="418" />
            <source>{what}: median {median:.2f} dB, 99th percentile {p99:.2f} dB</source>
            <translation>{what} : médiane {median:.2f} dB, 99e centile {p99:.2f} dB</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="419" />
            <source>Learned DI norm</source>
            <translation>Norme de la DI apprise</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/learned_di.py" line="419" />
            <source>Conventional DI</source>
            <translation>DI conventionnelle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="47" />
            <source>No change</source>
            <translation>Pas de changement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>No distortion</source>
            <translation>Pas de distorsion</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>Layover</source>
            <translation>Repliement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>Shadow</source>
            <translation>Ombre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>Layover and shadow</source>
            <translation>Repliement et ombre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>Foreshortening</source>
            <translation>Raccourcissement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>Layover, foreshortening</source>
            <translation>Repliement, raccourcissement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>Shadow, foreshortening</source>
            <translation>Ombre, raccourcissement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/output_styles.py" line="52" />
            <source>All</source>
            <translation>Tout</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/presentation.py" line="203" />
            <source>Could not style {name}: {error}</source>
            <translation>Impossible de styler {name} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/presentation.py" line="228" />
            <source>{packages} (to {purpose})</source>
            <translation>{packages} (pour {purpose})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/presentation.py" line="228" />
            <source> or </source>
            <translation> ou </translation>
        </message>
        <message>
            <location filename="../processing/algorithms/presentation.py" line="231" />
            <source>This algorithm needs {needs}, which the Python running QGIS cannot import. Install it with Plugins &gt; SAR Change &gt; Install optional Python packages, or run the algorithm sarchange:installdependencies, then restart QGIS.</source>
            <translation>Cet algorithme a besoin de {needs}, que le Python qui exécute QGIS ne peut pas importer. Installez-le avec Extensions &gt; SAR Change &gt; Installer les paquets Python optionnels, ou lancez l'algorithme sarchange:installdependencies, puis redémarrez QGIS.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/raster_subset.py" line="59" />
            <source>The extent cannot be reprojected to the raster CRS: {error}</source>
            <translation>L'emprise ne peut pas être reprojetée dans le SCR du raster : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/raster_subset.py" line="64" />
            <source>An extent needs a north-up georeferenced raster (no rotation)</source>
            <translation>Une emprise demande un raster géoréférencé orienté nord (sans rotation)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/raster_subset.py" line="70" />
            <source>The extent does not overlap the raster {path}: choose an extent inside the layer</source>
            <translation>L'emprise ne recouvre pas le raster {path} : choisissez une emprise à l'intérieur de la couche</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/raster_subset.py" line="101" />
            <source>Cannot read a part of {path}: {error}</source>
            <translation>Impossible de lire une partie de {path} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/raster_subset.py" line="119" />
            <source>Cannot write {path}: {error}</source>
            <translation>Impossible d'écrire {path} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="40" />
            <source>&lt;p&gt;Translates a Sentinel-1 SAR image (VV and VH) into a Sentinel-2-like optical image (surface reflectance of B04 red, B03 green, B02 blue and B08 near infrared) with a trained network: SARDINet (Bralet et al., ICIP 2022) with the DEM fused as in Bralet et al. (IGARSS 2024), or a SAR-only model. Useful where the optical archive is cloudy: an optical-looking view of a SAR acquisition, e.g. to map landslides, floods or clear-cuts in mountains.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;SAR raster&lt;/b&gt;, &lt;b&gt;VV band&lt;/b&gt;, &lt;b&gt;VH band&lt;/b&gt;, &lt;b&gt;Input scale&lt;/b&gt; (linear power, amplitude or dB; a raster whose values contradict the scale is refused).&lt;/li&gt;&lt;li&gt;&lt;b&gt;DEM&lt;/b&gt;, metres: needed by models with a DEM fusion. Another grid or CRS is warped onto the SAR grid on the fly (bilinear); it must cover the whole SAR extent.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model&lt;/b&gt;: a sar_to_optical .onnx (default: the model shipped with the plugin, models/sar_to_optical.onnx; its card models/sar_to_optical.md gives its training and metrics). Train one with &lt;i&gt;Train SAR-to-optical model&lt;/i&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Acquisition date&lt;/b&gt; (YYYY-MM-DD): the date of the SAR image; the shipped model draws the optical image as Sentinel-2 would see it that day (sun elevation and azimuth at 10:30 local solar time, season). Empty: read from the file name (YYYYMMDD, as in Sentinel-1 product names).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Contrast enhancement&lt;/b&gt;: none, Laplacian sharpening or Wiener deconvolution of a Gaussian blur (paper sec. 4.2.3): the network's output is smooth.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Output bands&lt;/b&gt;: B04, B03, B02, B08 or B04, B03, B02; red, green and blue come first so the result loads as a true-colour layer.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Tile size&lt;/b&gt;, &lt;b&gt;Overlap&lt;/b&gt;, &lt;b&gt;Block size&lt;/b&gt; (advanced): the blocks streamed from disk (each with a halo) and the inference tiles inside them, blended with raised-cosine weights (tile 0: the whole block with its halo in one tile, the fastest, without overlap; overlap -1: the model's).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Output: float32 GeoTIFF of reflectance (0..1; snow can exceed 1), NaN where the SAR or the DEM has no data.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Traduit une image SAR Sentinel-1 (VV et VH) en une image optique de type Sentinel-2 (réflectance de surface des bandes B04 rouge, B03 vert, B02 bleu et B08 proche infrarouge) avec un réseau entraîné : SARDINet (Bralet et al., ICIP 2022) avec le MNT fusionné comme dans Bralet et al. (IGARSS 2024), ou un modèle SAR seul. Utile là où l'archive optique est nuageuse : une vue d'aspect optique d'une acquisition SAR, par ex. pour cartographier glissements de terrain, inondations ou coupes rases en montagne.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster SAR&lt;/b&gt;, &lt;b&gt;Bande VV&lt;/b&gt;, &lt;b&gt;Bande VH&lt;/b&gt;, &lt;b&gt;Échelle de l'entrée&lt;/b&gt; (puissance linéaire, amplitude ou dB ; un raster dont les valeurs contredisent l'échelle est refusé).&lt;/li&gt;&lt;li&gt;&lt;b&gt;MNT&lt;/b&gt;, mètres : nécessaire aux modèles avec fusion du MNT. Une autre grille ou un autre SCR est reprojeté à la volée sur la grille SAR (bilinéaire) ; il doit couvrir toute l'emprise SAR.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle&lt;/b&gt; : un .onnx sar_to_optical (par défaut : le modèle fourni avec l'extension, models/sar_to_optical.onnx ; sa fiche models/sar_to_optical.md donne son entraînement et ses métriques). Entraînez-en un avec &lt;i&gt;Entraîner un modèle SAR vers optique&lt;/i&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Date d'acquisition&lt;/b&gt; (AAAA-MM-JJ) : la date de l'image SAR ; le modèle fourni dessine l'image optique telle que Sentinel-2 la verrait ce jour-là (hauteur et azimut du soleil à 10 h 30 heure solaire locale, saison). Vide : lue dans le nom du fichier (AAAAMMJJ, comme dans les noms de produits Sentinel-1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Amélioration du contraste&lt;/b&gt; : aucune, accentuation laplacienne ou déconvolution de Wiener d'un flou gaussien (article, sect. 4.2.3) : la sortie du réseau est lisse.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bandes de sortie&lt;/b&gt; : B04, B03, B02, B08 ou B04, B03, B02 ; rouge, vert et bleu viennent en premier pour que le résultat se charge comme une couche en couleurs naturelles.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Taille des tuiles&lt;/b&gt;, &lt;b&gt;Recouvrement&lt;/b&gt;, &lt;b&gt;Taille des blocs&lt;/b&gt; (avancés) : les blocs lus en flux depuis le disque (chacun avec une marge) et les tuiles d'inférence qu'ils contiennent, fondues avec des poids en cosinus surélevé (tuile 0 : tout le bloc avec sa marge en une seule tuile, le plus rapide, sans recouvrement ; recouvrement -1 : celui du modèle).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Sortie : GeoTIFF float32 de réflectance (0..1 ; la neige peut dépasser 1), NaN là où le SAR ou le MNT n'a pas de donnée.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="74" />
            <source>Input '{name}' with model '{model}': {error}</source>
            <translation>Entrée « {name} » avec le modèle « {model} » : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="100" />
            <source>SAR to optical (SARDINet)</source>
            <translation>SAR vers optique (SARDINet)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="71" />
            <source>SAR to optical</source>
            <translation>SAR vers optique</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="116" />
            <source>SAR raster (VV, VH)</source>
            <translation>Raster SAR (VV, VH)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="119" />
            <source>VV band (default 1)</source>
            <translation>Bande VV (par défaut 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="119" />
            <source>VH band (default 2)</source>
            <translation>Bande VH (par défaut 2)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="126" />
            <source>DEM, metres (models with a DEM fusion)</source>
            <translation>MNT, mètres (modèles avec fusion du MNT)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="128" />
            <source>Acquisition date (YYYY-MM-DD; empty: from the file name)</source>
            <translation>Date d'acquisition (AAAA-MM-JJ ; vide : lue dans le nom du fichier)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="130" />
            <source>SAR-to-optical model (.onnx; default: the shipped model)</source>
            <translation>Modèle SAR vers optique (.onnx ; par défaut : le modèle fourni)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="133" />
            <source>Contrast enhancement</source>
            <translation>Amélioration du contraste</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="242" />
            <source>None</source>
            <translation>Aucune</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="133" />
            <source>Laplacian sharpening</source>
            <translation>Accentuation laplacienne</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="133" />
            <source>Wiener deconvolution</source>
            <translation>Déconvolution de Wiener</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="136" />
            <source>Output bands</source>
            <translation>Bandes de sortie</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="136" />
            <source>B04, B03, B02, B08 (true colour + NIR)</source>
            <translation>B04, B03, B02, B08 (couleurs naturelles + PIR)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="136" />
            <source>B04, B03, B02 (true colour)</source>
            <translation>B04, B03, B02 (couleurs naturelles)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="142" />
            <source>Tile size (pixels; 0 = each block with its halo)</source>
            <translation>Taille des tuiles (pixels ; 0 = chaque bloc avec sa marge)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="142" />
            <source>Block size (pixels)</source>
            <translation>Taille des blocs (pixels)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="148" />
            <source>Optical image (reflectance)</source>
            <translation>Image optique (réflectance)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="157" />
            <source>No model given and no model shipped with the plugin ({path}): train one with 'Train SAR-to-optical model' and give the .onnx file as the model</source>
            <translation>Aucun modèle donné et aucun modèle fourni avec l'extension ({path}) : entraînez-en un avec « Entraîner un modèle SAR vers optique » et donnez le fichier .onnx comme modèle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="168" />
            <source>Acquisition date '{text}': {error}</source>
            <translation>Date d'acquisition '{text}' : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="172" />
            <source>The model draws the optical image of a given day (sun and season) but the name of the SAR layer '{name}' ({source}) holds no date (YYYYMMDD): give the acquisition date (YYYY-MM-DD)</source>
            <translation>Le modèle dessine l'image optique d'un jour donné (soleil et saison) mais le nom de la couche SAR '{name}' ({source}) ne contient pas de date (AAAAMMJJ) : donnez la date d'acquisition (AAAA-MM-JJ)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="189" />
            <source>Model '{path}': {error}. Give a SAR-to-optical model (kind '{kind}') trained with 'Train SAR-to-optical model'</source>
            <translation>Modèle « {path} » : {error}. Donnez un modèle SAR vers optique (type « {kind} ») entraîné avec « Entraîner un modèle SAR vers optique »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="194" />
            <source>Model '{path}' fuses the DEM (fusion '{fusion}'): give the DEM (metres) covering the SAR layer '{name}', or use a SAR-only model</source>
            <translation>Le modèle « {path} » fusionne le MNT (fusion « {fusion} ») : donnez le MNT (mètres) couvrant la couche SAR « {name} », ou utilisez un modèle SAR seul</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="199" />
            <source>The model is SAR-only (fusion 'none'): the DEM is not used.</source>
            <translation>Le modèle est SAR seul (fusion « none ») : le MNT n'est pas utilisé.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="200" />
            <source>Model {path}: fusion '{fusion}', output {bands}</source>
            <translation>Modèle {path} : fusion « {fusion} », sortie {bands}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="224" />
            <source>Acquisition {date}: sun elevation {elevation:.1f} deg, azimuth {azimuth:.1f} deg, day of year {day:.0f}</source>
            <translation>Acquisition du {date} : hauteur du soleil {elevation:.1f} deg, azimut {azimuth:.1f} deg, jour de l'année {day:.0f}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/sar_to_optical.py" line="227" />
            <source>Blocks of {block} pixels with {margin} pixels of halo; bands {bands}</source>
            <translation>Blocs de {block} pixels avec {margin} pixels de marge ; bandes {bands}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="35" />
            <source>&lt;p&gt;Classifies every pixel of a SAR raster (e.g. water / ice / land) with a segmentation model trained by &lt;i&gt;Train SAR segmentation model&lt;/i&gt; (a ResNet-18 encoder cut after its third block with an ASPP decoder; Karimzadeh &amp;amp; Pires de Lima 2022), saved as ONNX.&lt;/p&gt;&lt;p&gt;The raster is read block by block; inside each block the model runs on overlapping tiles whose probabilities are blended, so a full scene needs little memory.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;SAR bands&lt;/b&gt;: the bands the model was trained on, in its order (e.g. VV then VH), given as numbers separated by commas.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Scale&lt;/b&gt;: linear power, amplitude or dB (converted to dB here).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Incidence angle band&lt;/b&gt; (degrees): needed when the model was trained with one.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model&lt;/b&gt;: the .onnx file (default: the model shipped with the plugin, models/segmentation.onnx: water / ice / land from Sentinel-1 VV, VH dB and the incidence angle, trained on simulated scenes; its card models/segmentation.md); its class names and colours become the output's palette.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Classes&lt;/b&gt;: Byte raster, value = class (0, 1, ...), 255 = no data, with a colour table and class names.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Class probabilities&lt;/b&gt; (optional): one Float32 band per class.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Classe chaque pixel d'un raster SAR (par ex. eau / glace / terre) avec un modèle de segmentation entraîné par &lt;i&gt;Entraîner un modèle de segmentation SAR&lt;/i&gt; (un encodeur ResNet-18 coupé après son troisième bloc avec un décodeur ASPP ; Karimzadeh &amp;amp; Pires de Lima 2022), enregistré en ONNX.&lt;/p&gt;&lt;p&gt;Le raster est lu bloc par bloc ; dans chaque bloc, le modèle s'applique sur des tuiles qui se recouvrent et dont les probabilités sont fondues, si bien qu'une scène entière demande peu de mémoire.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Bandes SAR&lt;/b&gt; : les bandes sur lesquelles le modèle a été entraîné, dans son ordre (par ex. VV puis VH), données par leurs numéros séparés par des virgules.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle&lt;/b&gt; : puissance linéaire, amplitude ou dB (converties ici en dB).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bande d'angle d'incidence&lt;/b&gt; (degrés) : nécessaire quand le modèle a été entraîné avec.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle&lt;/b&gt; : le fichier .onnx (par défaut : le modèle fourni avec l'extension, models/segmentation.onnx : eau / glace / terre à partir de VV, VH de Sentinel-1 en dB et de l'angle d'incidence, entraîné sur des scènes simulées ; sa fiche models/segmentation.md) ; ses noms et couleurs de classes deviennent la palette de la sortie.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Classes&lt;/b&gt; : raster Byte, valeur = classe (0, 1, ...), 255 = sans donnée, avec une table de couleurs et les noms des classes.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Probabilités des classes&lt;/b&gt; (optionnel) : une bande Float32 par classe.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="58" />
            <source>SAR bands {text!r}: give band numbers separated by commas, e.g. 1,2</source>
            <translation>Bandes SAR {text!r} : donnez des numéros de bandes séparés par des virgules, par ex. 1,2</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="62" />
            <source>SAR bands {text!r}: give band numbers &gt;= 1 separated by commas, e.g. 1,2</source>
            <translation>Bandes SAR {text!r} : donnez des numéros de bandes &gt;= 1 séparés par des virgules, par ex. 1,2</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="77" />
            <source>SAR raster</source>
            <translation>Raster SAR</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="79" />
            <source>Scale of the SAR bands</source>
            <translation>Échelle des bandes SAR</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="87" />
            <source>Incidence angle band (degrees)</source>
            <translation>Bande d'angle d'incidence (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="124" />
            <source>Segment SAR raster (water, ice, land cover)</source>
            <translation>Segmenter un raster SAR (eau, glace, occupation du sol)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="181" />
            <source>Segmentation</source>
            <translation>Segmentation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="139" />
            <source>SAR bands (model order, e.g. 1,2)</source>
            <translation>Bandes SAR (ordre du modèle, par ex. 1,2)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="140" />
            <source>Segmentation model (.onnx; default: the shipped model)</source>
            <translation>Modèle de segmentation (.onnx ; par défaut : le modèle fourni)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="149" />
            <source>onnxruntime threads</source>
            <translation>Fils d'exécution onnxruntime</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="157" />
            <source>Classes</source>
            <translation>Classes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="158" />
            <source>Class probabilities</source>
            <translation>Probabilités des classes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="172" />
            <source>Model '{path}': {error}. Give a segmentation model trained with 'Train SAR segmentation model' (sarchange:trainsegmentation)</source>
            <translation>Modèle '{path}' : {error}. Donnez un modèle de segmentation entraîné avec « Entraîner un modèle de segmentation SAR » (sarchange:trainsegmentation)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="181" />
            <source>No model given and no model shipped with the plugin ({path}): train one with 'Train SAR segmentation model' and give the .onnx file as the model</source>
            <translation>Aucun modèle donné et aucun modèle fourni avec l'extension ({path}) : entraînez-en un avec « Entraîner un modèle de segmentation SAR » et donnez le fichier .onnx comme modèle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="188" />
            <source>Model: the shipped model {path}</source>
            <translation>Modèle : le modèle fourni {path}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/segment.py" line="211" />
            <source>Classes: {classes}</source>
            <translation>Classes : {classes}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="33" />
            <source>&lt;p&gt;Simulates a Sentinel-1-like SAR time series (sigma0, linear power) on a DEM grid, with the weather, land cover and scheduled changes that drive it, for controlled change-detection experiments, training and demos.&lt;/p&gt;&lt;p&gt;Backscatter: per-class angular dependence on the local incidence angle from the DEM slope/aspect and the acquisition heading and incidence (Ulaby &amp;amp; Dobson 1989), soil moisture from recent rain (Dobson &amp;amp; Ulaby 1986), freezing (Rignot &amp;amp; Way 1994), wet and dry snow (Nagler &amp;amp; Rott 2000; Lievens et al. 2019), S1A/S1B calibration offsets, terrain projection with layover and shadow, noise floor, Gamma speckle with L looks. Weather: Markov-chain precipitation and AR(1) temperature (Richardson 1981), degree-day snowpack (Hock 2003).&lt;/p&gt;&lt;h3&gt;Outputs in the folder&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;one GeoTIFF per acquisition (e.g. S1A_20200103_ASC_VV_VH.tif; bands named VV, VH);&lt;/li&gt;&lt;li&gt;acquisitions.csv (date, platform, orbit direction, heading, mean incidence, temperature, precipitation of the day and 3 previous days, snow depth, applied shift), weather.csv, changes.csv;&lt;/li&gt;&lt;li&gt;landcover.tif (1 forest, 2 field, 3 water, 4 urban, 5 bare), dem.tif when generated, geometry_ASC/DSC.tif (incidence, local incidence, layover/shadow bits), change_date.tif (days from the start to each pixel's change: masks between any two dates come from it, see &lt;i&gt;Simulated change mask&lt;/i&gt;).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Without a DEM a fractal DEM is generated (size, pixel size and relief below). A geographic DEM is handled (degrees converted to metres at its centre latitude). The whole DEM is held in memory: the simulator is meant for scenes up to a few thousand pixels on a side.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Simule une série temporelle SAR de type Sentinel-1 (sigma0, puissance linéaire) sur la grille d'un MNT, avec la météo, l'occupation du sol et les changements programmés qui la déterminent, pour des expériences contrôlées de détection de changements, l'entraînement et les démonstrations.&lt;/p&gt;&lt;p&gt;Rétrodiffusion : dépendance angulaire par classe vis-à-vis de l'angle d'incidence local, tiré de la pente et de l'exposition du MNT et du cap et de l'incidence de l'acquisition (Ulaby &amp;amp; Dobson 1989), humidité du sol due aux pluies récentes (Dobson &amp;amp; Ulaby 1986), gel (Rignot &amp;amp; Way 1994), neige humide et sèche (Nagler &amp;amp; Rott 2000 ; Lievens et al. 2019), écarts d'étalonnage S1A/S1B, projection du terrain avec repliement et ombre, plancher de bruit, chatoiement gamma à L vues. Météo : précipitations par chaîne de Markov et température AR(1) (Richardson 1981), manteau neigeux par degrés-jours (Hock 2003).&lt;/p&gt;&lt;h3&gt;Sorties dans le dossier&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;un GeoTIFF par acquisition (par ex. S1A_20200103_ASC_VV_VH.tif ; bandes nommées VV, VH) ;&lt;/li&gt;&lt;li&gt;acquisitions.csv (date, plateforme, sens d'orbite, cap, incidence moyenne, température, précipitations du jour et des 3 jours précédents, épaisseur de neige, décalage appliqué), weather.csv, changes.csv ;&lt;/li&gt;&lt;li&gt;landcover.tif (1 forêt, 2 champ, 3 eau, 4 urbain, 5 sol nu), dem.tif s'il est généré, geometry_ASC/DSC.tif (incidence, incidence locale, bits de repliement/ombre), change_date.tif (jours entre le début et le changement de chaque pixel : les masques entre deux dates quelconques en découlent, voir &lt;i&gt;Masque de changement simulé&lt;/i&gt;).&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Sans MNT, un MNT fractal est généré (taille, taille de pixel et relief ci-dessous). Un MNT géographique est pris en charge (degrés convertis en mètres à la latitude de son centre). Tout le MNT est gardé en mémoire : le simulateur est prévu pour des scènes de quelques milliers de pixels de côté au plus.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="87" />
            <source>Simulate SAR time series</source>
            <translation>Simuler une série temporelle SAR</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="104" />
            <source>DEM (metres; empty: generate a fractal DEM)</source>
            <translation>MNT (mètres ; vide : générer un MNT fractal)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="106" />
            <source>Generated DEM size (pixels)</source>
            <translation>Taille du MNT généré (pixels)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="108" />
            <source>Generated DEM pixel size (m)</source>
            <translation>Taille de pixel du MNT généré (m)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="110" />
            <source>Generated DEM relief (m)</source>
            <translation>Relief du MNT généré (m)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="112" />
            <source>Start date</source>
            <translation>Date de début</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="114" />
            <source>End date</source>
            <translation>Date de fin</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="116" />
            <source>Revisit per orbit direction (days)</source>
            <translation>Revisite par sens d'orbite (jours)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="118" />
            <source>Orbit directions</source>
            <translation>Sens d'orbite</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="118" />
            <source>Ascending</source>
            <translation>Ascendant</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="118" />
            <source>Descending</source>
            <translation>Descendant</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="121" />
            <source>Swath incidence, near range (degrees)</source>
            <translation>Incidence de la fauchée, portée proche (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="123" />
            <source>Swath incidence, far range (degrees)</source>
            <translation>Incidence de la fauchée, portée lointaine (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="125" />
            <source>Polarisations</source>
            <translation>Polarisations</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="128" />
            <source>Number of looks (speckle ENL)</source>
            <translation>Nombre de vues (ENL du chatoiement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="131" />
            <source>Misregistration: maximum shift (pixels, 0 = none)</source>
            <translation>Erreur de recalage : décalage maximal (pixels, 0 = aucun)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="133" />
            <source>Schedule changes (clear-cut, flood, new building, landslide)</source>
            <translation>Programmer des changements (coupe rase, inondation, nouveau bâtiment, glissement de terrain)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="136" />
            <source>Climate</source>
            <translation>Climat</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="140" />
            <source>Acquisition table (CSV)</source>
            <translation>Table des acquisitions (CSV)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="141" />
            <source>Land cover</source>
            <translation>Occupation du sol</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="142" />
            <source>Change date (days from start)</source>
            <translation>Date du changement (jours depuis le début)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="143" />
            <source>Number of acquisitions</source>
            <translation>Nombre d'acquisitions</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="152" />
            <source>DEM {name}: {x} x {y} pixels</source>
            <translation>MNT {name} : {x} x {y} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="158" />
            <source>Choose at least one orbit direction and one polarisation.</source>
            <translation>Choisissez au moins un sens d'orbite et une polarisation.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="160" />
            <source>generated DEM</source>
            <translation>MNT généré</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="183" />
            <source>Cancelled: the files of this run were removed.</source>
            <translation>Annulé : les fichiers de cette exécution ont été supprimés.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="185" />
            <source>{n} acquisitions written to {folder} in {s:.1f} s</source>
            <translation>{n} acquisitions écrites dans {folder} en {s:.1f} s</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="190" />
            <source>Scheduled change {id}: {kind} on {date}{until}, {n} pixels</source>
            <translation>Changement programmé {id} : {kind} le {date}{until}, {n} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="209" />
            <source>Simulated change mask</source>
            <translation>Masque de changement simulé</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="218" />
            <source>&lt;p&gt;Writes the ground-truth change mask (1 changed, 0 unchanged) between two dates from the change_date.tif of a stack made by &lt;i&gt;Simulate SAR time series&lt;/i&gt;. A flood that came and went between the two dates counts as unchanged.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Écrit le masque de changement de vérité terrain (1 changé, 0 inchangé) entre deux dates à partir du change_date.tif d'une pile créée par &lt;i&gt;Simuler une série temporelle SAR&lt;/i&gt;. Une inondation apparue puis disparue entre les deux dates compte comme inchangée.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="227" />
            <source>Change date raster (change_date.tif of a simulated stack)</source>
            <translation>Raster des dates de changement (change_date.tif d'une pile simulée)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="229" />
            <source>First date</source>
            <translation>Première date</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/simulate_stack.py" line="231" />
            <source>Second date</source>
            <translation>Seconde date</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="39" />
            <source>&lt;p&gt;Reduces speckle in SAR images. The chosen bands are filtered; the filtering is done on linear power (intensity) and the result is written in the input's scale as a tiled, compressed float32 GeoTIFF with the input's grid, CRS and no-data value. Large rasters are processed block by block.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Input SAR raster&lt;/b&gt;: a file-based GDAL raster.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Filter&lt;/b&gt;: &lt;ul&gt;&lt;li&gt;Boxcar: moving mean over the window.&lt;/li&gt;&lt;li&gt;Median: moving median over the window.&lt;/li&gt;&lt;li&gt;Lee: minimum mean square error filter with the multiplicative speckle model, R = mean + b (I - mean), b = var_x / var_I (Lee 1980, 1981).&lt;/li&gt;&lt;li&gt;Refined Lee: Lee filter on the most homogeneous of eight edge-aligned sub-windows of a fixed 7x7 window (Lee 1981); the window size is not used.&lt;/li&gt;&lt;li&gt;Improved Lee Sigma: sigma-range selection of pixels from a target window, point-target preservation and MMSE filtering (Lee, Wen, Ainsworth, Chen &amp;amp; Chen 2009, as in ESA SNAP).&lt;/li&gt;&lt;li&gt;Frost: exponentially damped kernel m = exp(-K Ci^2 d) (Frost et al. 1982).&lt;/li&gt;&lt;li&gt;Gamma-MAP: maximum a posteriori estimate with gamma-distributed scene and speckle (Lopes, Nezry, Touzi &amp;amp; Laur 1990).&lt;/li&gt;&lt;li&gt;Kuan: local linear MMSE filter derived without approximating the multiplicative model (Kuan et al. 1985).&lt;/li&gt;&lt;li&gt;Learned (MERLIN, ONNX): the MERLIN network of the deepdespeckling package (Dalsasso, Denis &amp;amp; Tupin 2021; Sentinel-1 TOPS weights, MIT licence) run with onnxruntime, its local mean re-anchored to the input's over the window in the model's card; uses the number of looks, not the window size.&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Window size&lt;/b&gt;: side of the square moving window in pixels; odd and &amp;gt;= 1 (e.g. 7).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Number of looks&lt;/b&gt;: equivalent number of looks L of the input, &amp;gt; 0; sets the speckle variation coefficient Cu^2 = 1/L used by Lee, Refined Lee, Lee Sigma, Gamma-MAP and Kuan.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Estimate the number of looks from the image&lt;/b&gt;: estimate L per band from up to 32 sample windows (1 / mode of the local squared coefficient of variation) and use it instead of the value above; with several bands the median estimate is used.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Frost damping factor K&lt;/b&gt;: larger K keeps more detail (default 1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Frost distance&lt;/b&gt;: Euclidean distance (Frost 1982, as in Orfeo ToolBox) or city-block distance |dx| + |dy|.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Lee Sigma sigma&lt;/b&gt;: probability mass of the sigma range, 0.5 to 0.9.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Lee Sigma target window&lt;/b&gt;: odd side (pixels) of the window used to estimate the target value, e.g. 3.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: how the input pixels are stored: linear power (intensity), amplitude (sqrt of power) or dB (10 log10 power). A dB raster declared as linear power or amplitude is refused.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bands&lt;/b&gt;: the bands to filter; the output holds these bands only. Empty: every band that looks like backscatter, leaving out bands named like incidence angle, elevation or mask and bands whose values are a smooth field of angles (degrees or radians).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Extent&lt;/b&gt;: filter only the pixels inside this extent (empty: the whole raster); the pixels around it that the windows need are read too, so the result equals the whole-raster result cut to the extent.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Learned filter: ONNX model&lt;/b&gt;: a converted despeckling model; empty uses models/merlin/merlin_s1_tops.onnx, written by scripts/setup.sh (or &lt;code&gt;python -m sar_change.models.merlin.convert&lt;/code&gt; with torch and deepdespeckling).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Filtered raster&lt;/b&gt;: the output GeoTIFF.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Réduit le chatoiement des images SAR. Les bandes choisies sont filtrées ; le filtrage se fait en puissance linéaire (intensité) et le résultat est écrit dans l'échelle de l'entrée sous forme d'un GeoTIFF float32 tuilé et compressé avec la grille, le SCR et la valeur sans donnée de l'entrée. Les grands rasters sont traités bloc par bloc.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster SAR en entrée&lt;/b&gt; : un raster GDAL sur fichier.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Filtre&lt;/b&gt; : &lt;ul&gt;&lt;li&gt;Boxcar : moyenne glissante sur la fenêtre.&lt;/li&gt;&lt;li&gt;Médian : médiane glissante sur la fenêtre.&lt;/li&gt;&lt;li&gt;Lee : filtre à erreur quadratique moyenne minimale avec le modèle multiplicatif du chatoiement, R = moyenne + b (I - moyenne), b = var_x / var_I (Lee 1980, 1981).&lt;/li&gt;&lt;li&gt;Lee raffiné : filtre de Lee sur la plus homogène de huit sous-fenêtres alignées sur les contours d'une fenêtre fixe de 7x7 (Lee 1981) ; la taille de fenêtre n'est pas utilisée.&lt;/li&gt;&lt;li&gt;Lee Sigma amélioré : sélection des pixels dans l'intervalle sigma à partir d'une fenêtre cible, préservation des cibles ponctuelles et filtrage MMSE (Lee, Wen, Ainsworth, Chen &amp;amp; Chen 2009, comme dans ESA SNAP).&lt;/li&gt;&lt;li&gt;Frost : noyau à amortissement exponentiel m = exp(-K Ci^2 d) (Frost et al. 1982).&lt;/li&gt;&lt;li&gt;Gamma-MAP : estimation du maximum a posteriori avec une scène et un chatoiement de loi gamma (Lopes, Nezry, Touzi &amp;amp; Laur 1990).&lt;/li&gt;&lt;li&gt;Kuan : filtre MMSE linéaire local établi sans approximer le modèle multiplicatif (Kuan et al. 1985).&lt;/li&gt;&lt;li&gt;Appris (MERLIN, ONNX) : le réseau MERLIN du paquet deepdespeckling (Dalsasso, Denis &amp;amp; Tupin 2021 ; poids Sentinel-1 TOPS, licence MIT) exécuté avec onnxruntime, sa moyenne locale recalée sur celle de l'entrée sur la fenêtre indiquée dans la fiche du modèle ; utilise le nombre de vues, pas la taille de fenêtre.&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Taille de fenêtre&lt;/b&gt; : côté de la fenêtre glissante carrée en pixels ; impair et &amp;gt;= 1 (par ex. 7).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Nombre de vues&lt;/b&gt; : nombre équivalent de vues L de l'entrée, &amp;gt; 0 ; fixe le coefficient de variation du chatoiement Cu^2 = 1/L utilisé par Lee, Lee raffiné, Lee Sigma, Gamma-MAP et Kuan.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Estimer le nombre de vues à partir de l'image&lt;/b&gt; : estimer L pour chaque bande sur au plus 32 fenêtres d'échantillonnage (1 / mode du carré du coefficient de variation local) et l'utiliser à la place de la valeur ci-dessus ; avec plusieurs bandes, l'estimation médiane est utilisée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Facteur d'amortissement de Frost K&lt;/b&gt; : un K plus grand garde plus de détails (par défaut 1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Distance de Frost&lt;/b&gt; : distance euclidienne (Frost 1982, comme dans Orfeo ToolBox) ou distance de Manhattan |dx| + |dy|.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Sigma de Lee Sigma&lt;/b&gt; : masse de probabilité de l'intervalle sigma, de 0.5 à 0.9.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fenêtre cible de Lee Sigma&lt;/b&gt; : côté impair (pixels) de la fenêtre servant à estimer la valeur cible, par ex. 3.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : comment les pixels d'entrée sont stockés : puissance linéaire (intensité), amplitude (racine de la puissance) ou dB (10 log10 de la puissance). Un raster en dB déclaré en puissance linéaire ou en amplitude est refusé.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bandes&lt;/b&gt; : les bandes à filtrer ; la sortie ne contient que ces bandes. Vide : chaque bande qui ressemble à une rétrodiffusion, en écartant les bandes nommées comme un angle d'incidence, une altitude ou un masque et les bandes dont les valeurs forment un champ lisse d'angles (degrés ou radians).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Emprise&lt;/b&gt; : ne filtrer que les pixels de cette emprise (vide : tout le raster) ; les pixels voisins dont les fenêtres ont besoin sont lus aussi, si bien que le résultat est égal au résultat sur tout le raster découpé à l'emprise.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Filtre appris : modèle ONNX&lt;/b&gt; : un modèle de réduction du chatoiement converti ; vide utilise models/merlin/merlin_s1_tops.onnx, écrit par scripts/setup.sh (ou &lt;code&gt;python -m sar_change.models.merlin.convert&lt;/code&gt; avec torch et deepdespeckling).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Raster filtré&lt;/b&gt; : le GeoTIFF de sortie.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="104" />
            <source>Speckle filter</source>
            <translation>Filtre de chatoiement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="121" />
            <source>Filter</source>
            <translation>Filtre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="126" />
            <source>Number of looks</source>
            <translation>Nombre de vues</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="128" />
            <source>Estimate the number of looks from the image</source>
            <translation>Estimer le nombre de vues à partir de l'image</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="130" />
            <source>Frost damping factor K</source>
            <translation>Facteur d'amortissement de Frost K</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="132" />
            <source>Frost distance</source>
            <translation>Distance de Frost</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="132" />
            <source>Euclidean (Frost 1982, Orfeo ToolBox)</source>
            <translation>Euclidienne (Frost 1982, Orfeo ToolBox)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="132" />
            <source>City-block |dx| + |dy|</source>
            <translation>Manhattan |dx| + |dy|</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="136" />
            <source>Lee Sigma sigma</source>
            <translation>Sigma de Lee Sigma</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="139" />
            <source>Lee Sigma target window (pixels, odd)</source>
            <translation>Fenêtre cible de Lee Sigma (pixels, impaire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="143" />
            <source>Learned filter: ONNX model (empty: the converted MERLIN model)</source>
            <translation>Filtre appris : modèle ONNX (vide : le modèle MERLIN converti)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="146" />
            <source>Bands (empty: every band that looks like backscatter)</source>
            <translation>Bandes (vide : chaque bande qui ressemble à une rétrodiffusion)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="151" />
            <source>Filtered raster</source>
            <translation>Raster filtré</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="157" />
            <source>window size must be odd and &gt;= 1, e.g. 7 (got {size})</source>
            <translation>la taille de fenêtre doit être impaire et &gt;= 1, par ex. 7 (reçu {size})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="162" />
            <source>Lee Sigma target window must be odd and &gt;= 1, e.g. 3 (got {size})</source>
            <translation>la fenêtre cible de Lee Sigma doit être impaire et &gt;= 1, par ex. 3 (reçu {size})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="167" />
            <source>number of looks must be &gt; 0, e.g. 1 (got {looks})</source>
            <translation>le nombre de vues doit être &gt; 0, par ex. 1 (reçu {looks})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="193" />
            <source>{method}: {problem}</source>
            <translation>{method} : {problem}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="197" />
            <source>target window</source>
            <translation>fenêtre cible</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="220" />
            <source>MERLIN was trained on single-look Sentinel-1 data; on this {looks:.1f}-look input it blurs edges and keeps less detail than the classic filters (benchmarks/results/despeckling.md): prefer Improved Lee Sigma or Refined Lee for multi-looked (GRD) images</source>
            <translation>MERLIN a été entraîné sur des données Sentinel-1 mono-vue ; sur cette entrée à {looks:.1f} vues, il floute les contours et garde moins de détails que les filtres classiques (benchmarks/results/despeckling.md) : préférez Lee Sigma amélioré ou Lee raffiné pour les images multi-vues (GRD)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="226" />
            <source>Filtering {name} with {method}, margin {margin} pixels</source>
            <translation>Filtrage de {name} avec {method}, marge de {margin} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="251" />
            <source>Bands filtered: {bands}; pixel window: {window}</source>
            <translation>Bandes filtrées : {bands} ; fenêtre de pixels : {window}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="251" />
            <source>whole raster</source>
            <translation>tout le raster</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="259" />
            <source>{method} does not use the number of looks; not estimated.</source>
            <translation>{method} n'utilise pas le nombre de vues ; non estimé.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="264" />
            <source>Band {band}: estimated ENL {enl:.3f} ({pixels} pixels sampled)</source>
            <translation>Bande {band} : ENL estimé {enl:.3f} ({pixels} pixels échantillonnés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/speckle_filter.py" line="266" />
            <source>Number of looks used: {looks:.3f}</source>
            <translation>Nombre de vues utilisé : {looks:.3f}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="44" />
            <source>&lt;p&gt;Classifies every pixel of two co-registered SAR images (or of a difference image) as change (1) or no change (0) with a support vector machine (SVM) trained on per-pixel features (Camps-Valls et al. 2008; Bovolo, Bruzzone &amp;amp; Marconcini 2008; scikit-learn's LinearSVC and SVC). The trained model is saved as ONNX and can be reapplied to other images with onnxruntime only.&lt;/p&gt;&lt;h3&gt;Features&lt;/h3&gt;&lt;p&gt;For each difference image (DI) band: the DI value and its local mean and standard deviation over each feature window; optionally the backscatter of both dates in dB and its local means. Features are standardised (mean 0, variance 1) on the training sample. Pixels that are no data in any input, or have power &amp;lt;= 0 where a logarithm is taken, are no data (255) in the output.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Image 1 (earlier), Image 2 (later)&lt;/b&gt;: file-based rasters on the same grid. Leave both empty to classify a precomputed difference image alone.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bands to compare&lt;/b&gt;: bands of the images (default band 1). Per-band DI methods give one DI per band; the Euclidean dB norm one DI for all.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Difference image&lt;/b&gt; (optional): a precomputed DI raster (any number of bands, any unit) on the images' grid, used instead of the DI method. Pseudo-labels assume that |DI| grows with the change (log ratio, mean ratio, neighbourhood-ratio index); give the log of a plain ratio I2/I1. With images too, the images serve only the backscatter features.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: how the images store the pixels: linear power, amplitude or dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Difference method&lt;/b&gt;: the DI of the two dates (core.change.difference): log ratio 10 log10(I2/I1) in dB by default; mean and neighbourhood ratio use 3x3 windows.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Feature windows&lt;/b&gt;: odd local window sizes in pixels, comma separated, e.g. 3,7.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Include backscatter&lt;/b&gt;: add both dates' dB backscatter and its local means.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Classifier&lt;/b&gt;: LinearSVC (linear, fast, scales to large samples) or RBF SVC (Gaussian kernel, gamma = 1 / (features x variance); slower, capped sample).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Training labels&lt;/b&gt;: &lt;ul&gt;&lt;li&gt;Polygons: polygons (any CRS) with a class field, 1 = change, 0 = no change (other values are skipped); pixels whose centre is inside a polygon are labelled.&lt;/li&gt;&lt;li&gt;Reference mask: a raster on the images' grid, 1 or 255 = change, 0 = no change; any other value and its no-data value are ignored.&lt;/li&gt;&lt;li&gt;Unsupervised pseudo-labels: a pre-classification of the DI (threshold on the |local mean of the first DI| over the smallest window, or 2-class k-means on the DI features) whose confidently classified pixels train the SVM, which then labels every pixel (pre-classification in the spirit of PCANet, Gao et al. 2016, and DDNet, Qu et al. 2022).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Pseudo-label pre-classification&lt;/b&gt;: Otsu or Kittler-Illingworth threshold, or 2-class k-means. &lt;b&gt;Kept fraction&lt;/b&gt; (threshold): the fraction of each class farthest from the threshold used as labels (0.5: the outer half). &lt;b&gt;Membership&lt;/b&gt; (k-means): fuzzy membership above which a pixel is a label (0.9).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Training pixels per class&lt;/b&gt;: random sample per class, at most; 0 = automatic (5000 for RBF SVC, 100000 for LinearSVC).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Random seed&lt;/b&gt;: the same seed gives the same sample and model.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Apply a saved model&lt;/b&gt; (optional .onnx): skip training and apply this model; its recorded features (windows, DI method, bands, backscatter) replace those parameters, and the inputs must give the same features.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Outputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Change mask&lt;/b&gt;: uint8 GeoTIFF, 1 change, 0 no change, 255 no data.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Trained model&lt;/b&gt; (optional): the standardisation and the SVM as an .onnx file, with the feature names, windows, input scale and training summary in its metadata.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Training needs scikit-learn and skl2onnx; applying a model needs only onnxruntime.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Classe chaque pixel de deux images SAR recalées (ou d'une image de différence) en changement (1) ou pas de changement (0) avec une machine à vecteurs de support (SVM) entraînée sur des descripteurs par pixel (Camps-Valls et al. 2008 ; Bovolo, Bruzzone &amp;amp; Marconcini 2008 ; LinearSVC et SVC de scikit-learn). Le modèle entraîné est enregistré en ONNX et peut être réappliqué à d'autres images avec onnxruntime seul.&lt;/p&gt;&lt;h3&gt;Descripteurs&lt;/h3&gt;&lt;p&gt;Pour chaque bande de l'image de différence (DI) : la valeur de la DI et sa moyenne et son écart type locaux sur chaque fenêtre de descripteurs ; en option la rétrodiffusion des deux dates en dB et ses moyennes locales. Les descripteurs sont centrés réduits (moyenne 0, variance 1) sur l'échantillon d'entraînement. Les pixels sans donnée dans une entrée, ou de puissance &amp;lt;= 0 là où un logarithme est pris, sont sans donnée (255) dans la sortie.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Image 1 (antérieure), Image 2 (postérieure)&lt;/b&gt; : rasters sur fichier sur la même grille. Laissez-les vides toutes les deux pour classer seule une image de différence précalculée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Bandes à comparer&lt;/b&gt; : bandes des images (par défaut la bande 1). Les méthodes de DI par bande donnent une DI par bande ; la norme euclidienne en dB une seule DI pour toutes.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Image de différence&lt;/b&gt; (optionnelle) : un raster de DI précalculé (nombre de bandes et unité quelconques) sur la grille des images, utilisé au lieu de la méthode de DI. Les pseudo-étiquettes supposent que |DI| croît avec le changement (log-rapport, rapport des moyennes, indice de rapport de voisinage) ; donnez le logarithme d'un simple rapport I2/I1. Si les images sont aussi données, elles ne servent qu'aux descripteurs de rétrodiffusion.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : comment les images stockent les pixels : puissance linéaire, amplitude ou dB.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Méthode de différence&lt;/b&gt; : la DI des deux dates (core.change.difference) : log-rapport 10 log10(I2/I1) en dB par défaut ; le rapport des moyennes et le rapport de voisinage utilisent des fenêtres 3x3.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fenêtres des descripteurs&lt;/b&gt; : tailles impaires de fenêtres locales en pixels, séparées par des virgules, par ex. 3,7.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Inclure la rétrodiffusion&lt;/b&gt; : ajouter la rétrodiffusion en dB des deux dates et ses moyennes locales.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Classifieur&lt;/b&gt; : LinearSVC (linéaire, rapide, adapté aux grands échantillons) ou SVC RBF (noyau gaussien, gamma = 1 / (descripteurs x variance) ; plus lent, échantillon plafonné).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Étiquettes d'entraînement&lt;/b&gt; : &lt;ul&gt;&lt;li&gt;Polygones : des polygones (dans n'importe quel SCR) avec un champ de classe, 1 = changement, 0 = pas de changement (les autres valeurs sont ignorées) ; les pixels dont le centre est dans un polygone sont étiquetés.&lt;/li&gt;&lt;li&gt;Masque de référence : un raster sur la grille des images, 1 ou 255 = changement, 0 = pas de changement ; toute autre valeur et sa valeur sans donnée sont ignorées.&lt;/li&gt;&lt;li&gt;Pseudo-étiquettes non supervisées : une pré-classification de la DI (seuil sur la |moyenne locale de la première DI| sur la plus petite fenêtre, ou k-moyennes à 2 classes sur les descripteurs de la DI) dont les pixels classés avec confiance entraînent la SVM, qui étiquette ensuite chaque pixel (pré-classification dans l'esprit de PCANet, Gao et al. 2016, et de DDNet, Qu et al. 2022).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Pré-classification des pseudo-étiquettes&lt;/b&gt; : seuil d'Otsu ou de Kittler-Illingworth, ou k-moyennes à 2 classes. &lt;b&gt;Fraction conservée&lt;/b&gt; (seuil) : la fraction de chaque classe la plus éloignée du seuil utilisée comme étiquettes (0.5 : la moitié extérieure). &lt;b&gt;Appartenance&lt;/b&gt; (k-moyennes) : appartenance floue au-dessus de laquelle un pixel devient une étiquette (0.9).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Pixels d'entraînement par classe&lt;/b&gt; : échantillon aléatoire par classe, au plus ; 0 = automatique (5000 pour SVC RBF, 100000 pour LinearSVC).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Graine aléatoire&lt;/b&gt; : la même graine donne le même échantillon et le même modèle.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Appliquer un modèle enregistré&lt;/b&gt; (.onnx optionnel) : sauter l'entraînement et appliquer ce modèle ; ses descripteurs enregistrés (fenêtres, méthode de DI, bandes, rétrodiffusion) remplacent ces paramètres, et les entrées doivent donner les mêmes descripteurs.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Sorties&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Masque de changement&lt;/b&gt; : GeoTIFF uint8, 1 changement, 0 pas de changement, 255 sans donnée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle entraîné&lt;/b&gt; (optionnel) : le centrage-réduction et la SVM dans un fichier .onnx, avec les noms des descripteurs, les fenêtres, l'échelle d'entrée et le résumé de l'entraînement dans ses métadonnées.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;L'entraînement demande scikit-learn et skl2onnx ; appliquer un modèle ne demande qu'onnxruntime.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="120" />
            <source>SVM change classifier</source>
            <translation>Classifieur de changements SVM</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="136" />
            <source>Image 1 (earlier)</source>
            <translation>Image 1 (antérieure)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="138" />
            <source>Image 2 (later)</source>
            <translation>Image 2 (postérieure)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="140" />
            <source>Bands to compare (default: band 1)</source>
            <translation>Bandes à comparer (par défaut : bande 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="143" />
            <source>Difference image (optional, instead of the difference method)</source>
            <translation>Image de différence (optionnelle, au lieu de la méthode de différence)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="147" />
            <source>Difference method</source>
            <translation>Méthode de différence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="150" />
            <source>Feature windows (odd sizes in pixels, comma separated)</source>
            <translation>Fenêtres des descripteurs (tailles impaires en pixels, séparées par des virgules)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="153" />
            <source>Include the backscatter of both dates (dB) as features</source>
            <translation>Inclure la rétrodiffusion des deux dates (dB) dans les descripteurs</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="156" />
            <source>Classifier</source>
            <translation>Classifieur</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="159" />
            <source>Training labels</source>
            <translation>Étiquettes d'entraînement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="159" />
            <source>Polygons with a class field (1 change, 0 no change)</source>
            <translation>Polygones avec un champ de classe (1 changement, 0 pas de changement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="159" />
            <source>Reference mask raster (1 or 255 change, 0 no change)</source>
            <translation>Raster de masque de référence (1 ou 255 changement, 0 pas de changement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="159" />
            <source>Unsupervised pseudo-labels</source>
            <translation>Pseudo-étiquettes non supervisées</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="165" />
            <source>Training polygons</source>
            <translation>Polygones d'entraînement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="167" />
            <source>Class field (1 change, 0 no change)</source>
            <translation>Champ de classe (1 changement, 0 pas de changement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="170" />
            <source>Reference mask</source>
            <translation>Masque de référence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="173" />
            <source>Pseudo-label pre-classification</source>
            <translation>Pré-classification des pseudo-étiquettes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="177" />
            <source>Pseudo-labels: kept fraction of each threshold class (0..1)</source>
            <translation>Pseudo-étiquettes : fraction conservée de chaque classe du seuillage (0..1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="179" />
            <source>Pseudo-labels: k-means fuzzy membership above (0.5..1)</source>
            <translation>Pseudo-étiquettes : appartenance floue des k-moyennes au-dessus de (0.5..1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="184" />
            <source>Training pixels per class, at most (0 = 5000 RBF SVC, 100000 LinearSVC)</source>
            <translation>Pixels d'entraînement par classe, au plus (0 = 5000 SVC RBF, 100000 LinearSVC)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="189" />
            <source>Apply a saved model instead of training (.onnx)</source>
            <translation>Appliquer un modèle enregistré au lieu d'entraîner (.onnx)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="193" />
            <source>Trained model</source>
            <translation>Modèle entraîné</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="193" />
            <source>ONNX model (*.onnx)</source>
            <translation>Modèle ONNX (*.onnx)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="219" />
            <source>the kept fraction of each class must be in (0, 1], e.g. 0.5</source>
            <translation>la fraction conservée de chaque classe doit être dans (0, 1], par ex. 0.5</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="221" />
            <source>the k-means membership must be between 0.5 and 1 (exclusive), e.g. 0.9</source>
            <translation>l'appartenance des k-moyennes doit être entre 0.5 et 1 (exclus), par ex. 0.9</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="223" />
            <source>the training pixels per class must be &gt;= 0 (0 = automatic)</source>
            <translation>les pixels d'entraînement par classe doivent être &gt;= 0 (0 = automatique)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="242" />
            <source>Give both images (earlier and later), or neither and a difference image</source>
            <translation>Donnez les deux images (antérieure et postérieure), ou aucune et une image de différence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="245" />
            <source>Give the two images, or a difference image</source>
            <translation>Donnez les deux images, ou une image de différence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="265" />
            <source>scikit-learn is needed to train; apply an existing .onnx model instead</source>
            <translation>scikit-learn est nécessaire pour entraîner ; appliquez plutôt un modèle .onnx existant</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="292" />
            <source>Give a reference mask raster for the reference-mask labels</source>
            <translation>Donnez un raster de masque de référence pour les étiquettes par masque de référence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="305" />
            <source>Give training polygons for the polygon labels</source>
            <translation>Donnez des polygones d'entraînement pour les étiquettes par polygones</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="308" />
            <source>Choose the class field of the polygons (1 change, 0 no change)</source>
            <translation>Choisissez le champ de classe des polygones (1 changement, 0 pas de changement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="310" />
            <source>The polygons have no field {field}</source>
            <translation>Les polygones n'ont pas de champ {field}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="323" />
            <source>The polygons</source>
            <translation>Les polygones</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="334" />
            <source>{n} polygon(s) skipped: field {field} is not 0 or 1</source>
            <translation>{n} polygone(s) ignoré(s) : le champ {field} ne vaut ni 0 ni 1</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="337" />
            <source>No polygon has the class 1 (change) or 0 (no change) in field {field}</source>
            <translation>Aucun polygone n'a la classe 1 (changement) ou 0 (pas de changement) dans le champ {field}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="352" />
            <source>{n} training polygon(s) rasterised</source>
            <translation>{n} polygone(s) d'entraînement rastérisé(s)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="382" />
            <source>{n} features per pixel: {names}; block margin {m} pixels</source>
            <translation>{n} descripteurs par pixel : {names} ; marge de bloc de {m} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="383" />
            <source>A saved model is applied, not trained: no model is written</source>
            <translation>Un modèle enregistré est appliqué, pas entraîné : aucun modèle n'est écrit</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="384" />
            <source>Model saved to {path}</source>
            <translation>Modèle enregistré dans {path}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="385" />
            <source>The model computes its own difference image ({di}): the difference image given is not used</source>
            <translation>Le modèle calcule sa propre image de différence ({di}) : l'image de différence donnée n'est pas utilisée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="387" />
            <source>Applying the saved model {path} ({clf}); its features: DI {di}, windows {w}, bands {b}, backscatter {bs}. Training labels: {src}, {n0} no change / {n1} change pixels</source>
            <translation>Application du modèle enregistré {path} ({clf}) ; ses descripteurs : DI {di}, fenêtres {w}, bandes {b}, rétrodiffusion {bs}. Étiquettes d'entraînement : {src}, {n0} pixels sans changement / {n1} avec changement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="390" />
            <source>Using the {n} band(s) of the difference image; the difference method is not used</source>
            <translation>Utilisation des {n} bande(s) de l'image de différence ; la méthode de différence n'est pas utilisée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="391" />
            <source>Pseudo-label rule: {rule}</source>
            <translation>Règle des pseudo-étiquettes : {rule}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="392" />
            <source>Labelled pixels: {n0} no change, {n1} change; training on {k0} and {k1} (at most {cap} per class, seed {seed})</source>
            <translation>Pixels étiquetés : {n0} sans changement, {n1} avec changement ; entraînement sur {k0} et {k1} (au plus {cap} par classe, graine {seed})</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="394" />
            <source>Trained {clf}: training accuracy {acc:.4f}</source>
            <translation>{clf} entraîné : exactitude d'entraînement {acc:.4f}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="395" />
            <source>The model cannot be saved: {error}</source>
            <translation>Le modèle ne peut pas être enregistré : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="396" />
            <source>skl2onnx is not installed: classifying with scikit-learn</source>
            <translation>skl2onnx n'est pas installé : classification avec scikit-learn</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/svm_change.py" line="397" />
            <source>onnxruntime is not installed: classifying with scikit-learn</source>
            <translation>onnxruntime n'est pas installé : classification avec scikit-learn</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="34" />
            <source>&lt;p&gt;Radiometric terrain flattening: turns a geocoded, calibrated sigma0 image into terrain-flattened gamma0, removing the brightening of slopes facing the sensor and the darkening of slopes facing away (Small 2011, IEEE TGRS 49(8), "Flattening gamma: radiometric terrain correction for SAR imagery"). Flattened images of ascending and descending passes, or of different tracks, can be compared over hills.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Sigma0 raster&lt;/b&gt;: calibrated sigma0 referred to the ellipsoid (the standard calibration, e.g. Sentinel-1 GRD "Sigma0"), geocoded on a north-up map grid without radiometric normalisation (e.g. ESA SNAP Calibration then Range-Doppler Terrain Correction), in a projected CRS in metres or a geographic CRS. Every band is flattened (e.g. VV and VH); the same reference is used for all bands.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: linear power (intensity), amplitude or dB. The output is written in the same scale. A dB raster declared as linear power or amplitude is refused.&lt;/li&gt;&lt;li&gt;&lt;b&gt;DEM&lt;/b&gt;: heights in metres (the DEM used for the terrain correction, ideally). When it is not on the sigma0 raster's grid it is resampled bilinearly onto that grid automatically (gdal.Warp); the log says so. DEMs in a CRS in feet or unknown units are refused: reproject the DEM to a projected CRS in metres. The raster is processed block by block in bounded memory, whatever its size.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Flight direction (heading)&lt;/b&gt;, &lt;b&gt;Look side&lt;/b&gt;, &lt;b&gt;Incidence angle&lt;/b&gt; or &lt;b&gt;Incidence angle raster&lt;/b&gt; (degrees or radians; resampled onto the sigma0 grid if needed): as in &lt;i&gt;Terrain geometry&lt;/i&gt;. Sentinel-1 heading: about 348 ascending, 192 descending.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Method&lt;/b&gt;: &lt;ul&gt;&lt;li&gt;Area-based (Small 2011): sigma0 divided by the simulated sigma0 of a surface of uniform gamma0 = 1, i.e. the sum of the illuminated areas (projected perpendicular to the line of sight) of all terrain sharing each slant-range cell, divided by the cell's ellipsoid area. Handles foreshortening and layover by integrating the DEM.&lt;/li&gt;&lt;li&gt;Cosine ratio with projected-area factor: per pixel, sigma0 referred to the tilted pixel area with Ulander's (1996) projection angle psi and divided by the cosine of the local incidence angle (as in Kellndorfer et al. 1998): gamma0 = sigma0 cos(psi) / (sin(incidence) cos(local incidence)), which equals sigma0 tan(incidence - range slope) / sin(incidence). Exact on planes, blind to terrain sharing a slant-range cell (crests, valleys).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Mask layover and shadow&lt;/b&gt;: set layover and shadow pixels (passive areas included, found by tracing the radar rays along range) to no data. Without it, shadow (nothing illuminated) is still no data, and area-based layover pixels hold gamma0 averaged over all the terrain sharing their slant-range cell.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Output: gamma0 in the input's scale, float32, on the sigma0 raster's grid, CRS and no-data value; no data where the sigma0 or the DEM is. Terrain outside the DEM is unknown: along the raster's edges the DEM is extended by reflection, and layover or shadow cast into the area from beyond it is missed. DEM voids are interpolated for the area simulation, so their surroundings are flattened sensibly. Steep slopes facing away from the sensor (grazing illumination) receive large corrections and amplify noise.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Aplanissement radiométrique du terrain : transforme une image sigma0 géocodée et étalonnée en gamma0 aplani, en supprimant l'éclaircissement des versants tournés vers le capteur et l'assombrissement des versants opposés (Small 2011, IEEE TGRS 49(8), « Flattening gamma: radiometric terrain correction for SAR imagery »). Les images aplanies de passages ascendants et descendants, ou de traces différentes, deviennent comparables sur les reliefs.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster sigma0&lt;/b&gt; : sigma0 étalonné rapporté à l'ellipsoïde (l'étalonnage standard, par ex. « Sigma0 » des GRD Sentinel-1), géocodé sur une grille cartographique orientée nord sans normalisation radiométrique (par ex. ESA SNAP Calibration puis Range-Doppler Terrain Correction), dans un SCR projeté en mètres ou un SCR géographique. Chaque bande est aplanie (par ex. VV et VH) ; la même référence sert pour toutes les bandes.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : puissance linéaire (intensité), amplitude ou dB. La sortie est écrite dans la même échelle. Un raster en dB déclaré en puissance linéaire ou en amplitude est refusé.&lt;/li&gt;&lt;li&gt;&lt;b&gt;MNT&lt;/b&gt; : altitudes en mètres (idéalement le MNT utilisé pour la correction de terrain). S'il n'est pas sur la grille du raster sigma0, il est automatiquement rééchantillonné de façon bilinéaire sur cette grille (gdal.Warp) ; le journal l'indique. Les MNT dans un SCR en pieds ou en unités inconnues sont refusés : reprojetez le MNT dans un SCR projeté en mètres. Le raster est traité bloc par bloc en mémoire bornée, quelle que soit sa taille.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Direction de vol (cap)&lt;/b&gt;, &lt;b&gt;Côté de visée&lt;/b&gt;, &lt;b&gt;Angle d'incidence&lt;/b&gt; ou &lt;b&gt;Raster d'angle d'incidence&lt;/b&gt; (degrés ou radians ; rééchantillonné sur la grille sigma0 si besoin) : comme dans &lt;i&gt;Géométrie du terrain&lt;/i&gt;. Cap de Sentinel-1 : environ 348 en ascendant, 192 en descendant.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Méthode&lt;/b&gt; : &lt;ul&gt;&lt;li&gt;Par aires (Small 2011) : sigma0 divisé par le sigma0 simulé d'une surface de gamma0 uniforme = 1, c.-à-d. la somme des aires éclairées (projetées perpendiculairement à la ligne de visée) de tout le terrain partageant chaque cellule en distance oblique, divisée par l'aire de la cellule sur l'ellipsoïde. Gère le raccourcissement et le repliement en intégrant le MNT.&lt;/li&gt;&lt;li&gt;Rapport des cosinus avec facteur d'aire projetée : par pixel, sigma0 rapporté à l'aire inclinée du pixel avec l'angle de projection psi d'Ulander (1996) et divisé par le cosinus de l'angle d'incidence local (comme chez Kellndorfer et al. 1998) : gamma0 = sigma0 cos(psi) / (sin(incidence) cos(incidence locale)), ce qui vaut sigma0 tan(incidence - pente en distance) / sin(incidence). Exact sur des plans, aveugle au terrain partageant une cellule en distance oblique (crêtes, vallées).&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masquer le repliement et l'ombre&lt;/b&gt; : mettre sans donnée les pixels en repliement et en ombre (zones passives comprises, trouvées en traçant les rayons radar le long de la distance). Sans cette option, l'ombre (rien n'est éclairé) reste sans donnée, et les pixels en repliement de la méthode par aires contiennent le gamma0 moyen de tout le terrain partageant leur cellule en distance oblique.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Sortie : gamma0 dans l'échelle de l'entrée, float32, sur la grille, le SCR et la valeur sans donnée du raster sigma0 ; sans donnée là où le sigma0 ou le MNT l'est. Le terrain hors du MNT est inconnu : le long des bords du raster, le MNT est prolongé par réflexion, et le repliement ou l'ombre projetés dans la zone depuis l'extérieur sont manqués. Les lacunes du MNT sont interpolées pour la simulation des aires, si bien que leurs abords sont aplanis de façon raisonnable. Les fortes pentes opposées au capteur (éclairement rasant) reçoivent de grandes corrections et amplifient le bruit.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="88" />
            <source>Radiometric terrain flattening</source>
            <translation>Aplanissement radiométrique du terrain</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="103" />
            <source>Sigma0 raster (geocoded)</source>
            <translation>Raster sigma0 (géocodé)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="381" />
            <source>DEM (heights in metres)</source>
            <translation>MNT (altitudes en mètres)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="111" />
            <source>Mask layover and shadow (no data)</source>
            <translation>Masquer le repliement et l'ombre (sans donnée)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="113" />
            <source>Flattened gamma0</source>
            <translation>Gamma0 aplani</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="146" />
            <source>the sigma0 raster '{name}'</source>
            <translation>le raster sigma0 « {name} »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="154" />
            <source>Flattening reference: {method}, layover/shadow {masked}.</source>
            <translation>Référence d'aplanissement : {method}, repliement/ombre {masked}.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="154" />
            <source>masked</source>
            <translation>masqués</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="154" />
            <source>kept</source>
            <translation>conservés</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_flattening.py" line="166" />
            <source>{pct:.2f} % of the DEM pixels get no gamma0 (layover, shadow or undefined angles).</source>
            <translation>{pct:.2f} % des pixels du MNT n'obtiennent pas de gamma0 (repliement, ombre ou angles indéfinis).</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="48" />
            <source>&lt;p&gt;Computes the SAR imaging geometry of a DEM: slope, aspect, local and projected local incidence angles, a layover / shadow / foreshortening mask and a simulated SAR image, on the DEM's own grid and CRS. Use it to see which slopes a pass can image before trusting change detection in mountains, or as the terrain inputs of other tools.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;DEM&lt;/b&gt;: a file-based, north-up DEM (band 1), heights in metres, in a projected CRS whose unit is the metre (e.g. UTM) or in a geographic CRS (degrees; the pixel size in metres is taken at the DEM's centre latitude, so keep geographic DEMs to a few degrees of latitude). Other units (feet, unknown) are refused: reproject the DEM to a projected CRS in metres. Every output is computed block by block in bounded memory, for a DEM of any size; for the distortion mask and the simulated SAR image each block also reads the terrain within reach along range (a few kilometres, set by the DEM's relief).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Flight direction (heading)&lt;/b&gt;: azimuth of the satellite track in degrees clockwise from north, as in the product metadata. Sentinel-1: about 348 (-12) for ascending passes, about 192 for descending passes.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Look side&lt;/b&gt;: right (Sentinel-1 and most SARs) or left. The sensor looks at heading + 90 degrees (right) or heading - 90 degrees (left).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Incidence angle&lt;/b&gt;: ellipsoid incidence angle in degrees (0 to 90), used everywhere when no incidence raster is given. Sentinel-1 IW: about 30 to 46 across the swath; 35 is a mid-swath value.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Incidence angle raster&lt;/b&gt; (optional): per-pixel ellipsoid incidence angles (e.g. the incidence angle band of a terrain-corrected product); resampled bilinearly onto the DEM grid when it is on another grid. &lt;b&gt;Incidence band&lt;/b&gt; chooses its band and &lt;b&gt;Incidence raster units&lt;/b&gt; whether it holds degrees or radians.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Outputs (optional; ask for at least one)&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Slope&lt;/b&gt;: degrees from horizontal (Horn 1981 3x3 gradients).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Aspect&lt;/b&gt;: degrees clockwise from north of the downslope direction (the direction the slope faces); 0 on flat ground.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Local incidence angle&lt;/b&gt;: degrees between the line of sight and the surface normal; above 90 the slope faces away from the sensor. Flat ground gives the ellipsoid incidence.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Projected local incidence angle&lt;/b&gt;: degrees, the local incidence in the plane of incidence, incidence minus range slope (Ulander 1996); negative in layover, above 90 in shadow.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Distortion mask&lt;/b&gt;: uint8 bit flags: 1 layover, 2 shadow, 4 foreshortening (values add up: 3 = layover and shadow); 0 = none; 255 = no data. Layover and shadow include the passive areas found by tracing the radar rays along range.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Simulated SAR&lt;/b&gt;: float32 sigma0 (linear power) of a surface of uniform gamma0 = 1 in geocoded geometry (Small 2011 area model): flat ground gives cos(incidence), slopes facing the sensor are bright, layover brighter, shadow 0.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Float outputs use NaN as no data. Terrain outside the DEM is unknown: for the mask and the simulated image the DEM is extended by 5 pixels along its edges by reflection (planes continue exactly), and layover or shadow cast into the DEM from beyond its edge are missed. DEM voids are interpolated for these two outputs (so that the terrain around them is simulated sensibly) and are no data in them.&lt;/p&gt;</source>
            <translation>&lt;p&gt;Calcule la géométrie d'imagerie SAR d'un MNT : pente, exposition, angles d'incidence local et local projeté, un masque de repliement / ombre / raccourcissement et une image SAR simulée, sur la grille et le SCR propres au MNT. Servez-vous-en pour voir quels versants un passage peut imager avant de vous fier à une détection de changements en montagne, ou comme entrées de terrain d'autres outils.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;MNT&lt;/b&gt; : un MNT sur fichier orienté nord (bande 1), altitudes en mètres, dans un SCR projeté dont l'unité est le mètre (par ex. UTM) ou dans un SCR géographique (degrés ; la taille de pixel en mètres est prise à la latitude du centre du MNT, gardez donc les MNT géographiques à quelques degrés de latitude). Les autres unités (pieds, inconnues) sont refusées : reprojetez le MNT dans un SCR projeté en mètres. Chaque sortie est calculée bloc par bloc en mémoire bornée, pour un MNT de toute taille ; pour le masque des distorsions et l'image SAR simulée, chaque bloc lit aussi le relief à portée le long de la distance radar (quelques kilomètres, fixés par le dénivelé du MNT).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Direction de vol (cap)&lt;/b&gt; : azimut de la trace du satellite en degrés dans le sens horaire depuis le nord, comme dans les métadonnées du produit. Sentinel-1 : environ 348 (-12) pour les passages ascendants, environ 192 pour les descendants.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Côté de visée&lt;/b&gt; : droite (Sentinel-1 et la plupart des SAR) ou gauche. Le capteur vise à cap + 90 degrés (droite) ou cap - 90 degrés (gauche).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Angle d'incidence&lt;/b&gt; : angle d'incidence sur l'ellipsoïde en degrés (0 à 90), utilisé partout quand aucun raster d'incidence n'est donné. Sentinel-1 IW : environ 30 à 46 à travers la fauchée ; 35 est une valeur de milieu de fauchée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Raster d'angle d'incidence&lt;/b&gt; (optionnel) : angles d'incidence sur l'ellipsoïde par pixel (par ex. la bande d'angle d'incidence d'un produit corrigé du terrain) ; rééchantillonné de façon bilinéaire sur la grille du MNT s'il est sur une autre grille. &lt;b&gt;Bande d'incidence&lt;/b&gt; choisit sa bande et &lt;b&gt;Unités du raster d'incidence&lt;/b&gt; indique s'il contient des degrés ou des radians.&lt;/li&gt;&lt;/ul&gt;&lt;h3&gt;Sorties (optionnelles ; demandez-en au moins une)&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Pente&lt;/b&gt; : degrés depuis l'horizontale (gradients 3x3 de Horn 1981).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Exposition&lt;/b&gt; : degrés dans le sens horaire depuis le nord de la direction de la descente (la direction vers laquelle le versant est tourné) ; 0 sur terrain plat.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Angle d'incidence local&lt;/b&gt; : degrés entre la ligne de visée et la normale à la surface ; au-delà de 90, le versant est opposé au capteur. Un terrain plat donne l'incidence sur l'ellipsoïde.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Angle d'incidence local projeté&lt;/b&gt; : degrés, l'incidence locale dans le plan d'incidence, incidence moins pente en distance (Ulander 1996) ; négatif en repliement, au-delà de 90 en ombre.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masque des distorsions&lt;/b&gt; : bits uint8 : 1 repliement, 2 ombre, 4 raccourcissement (les valeurs s'additionnent : 3 = repliement et ombre) ; 0 = aucune ; 255 = sans donnée. Le repliement et l'ombre incluent les zones passives trouvées en traçant les rayons radar le long de la distance.&lt;/li&gt;&lt;li&gt;&lt;b&gt;SAR simulé&lt;/b&gt; : sigma0 float32 (puissance linéaire) d'une surface de gamma0 uniforme = 1 en géométrie géocodée (modèle d'aires de Small 2011) : un terrain plat donne cos(incidence), les versants tournés vers le capteur sont clairs, le repliement plus clair encore, l'ombre 0.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Les sorties flottantes utilisent NaN comme valeur sans donnée. Le terrain hors du MNT est inconnu : pour le masque et l'image simulée, le MNT est prolongé de 5 pixels le long de ses bords par réflexion (les plans se prolongent exactement), et le repliement ou l'ombre projetés dans le MNT depuis l'extérieur de son bord sont manqués. Les lacunes du MNT sont interpolées pour ces deux sorties (afin que le terrain autour soit simulé de façon raisonnable) et y sont sans donnée.&lt;/p&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="141" />
            <source>The reference raster {path} has no geotransform or CRS: cannot resample '{name}' onto it</source>
            <translation>Le raster de référence {path} n'a ni géotransformation ni SCR : impossible d'y rééchantillonner « {name} »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="146" />
            <source>Input layer '{name}' has no CRS: cannot resample it onto the grid of {path}. Assign its CRS (e.g. gdal:assignprojection) first.</source>
            <translation>La couche en entrée « {name} » n'a pas de SCR : impossible de la rééchantillonner sur la grille de {path}. Attribuez-lui d'abord son SCR (par ex. gdal:assignprojection).</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="167" />
            <source>Cannot resample input layer '{name}' onto the grid of {path}: {error}. Warp it yourself onto that grid (gdal:warpreproject) first.</source>
            <translation>Impossible de rééchantillonner la couche en entrée « {name} » sur la grille de {path} : {error}. Reprojetez-la d'abord vous-même sur cette grille (gdal:warpreproject).</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="189" />
            <source>Input layer '{name}' does not overlap {what}: check that it covers the same area</source>
            <translation>La couche en entrée « {name} » ne recouvre pas {what} : vérifiez qu'elle couvre la même zone</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="192" />
            <source>'{name}' is not on the grid of {what}: resampled bilinearly onto it with gdal.Warp ({pct:.1f} % of the grid covered).</source>
            <translation>« {name} » n'est pas sur la grille de {what} : rééchantillonnée de façon bilinéaire avec gdal.Warp ({pct:.1f} % de la grille couverts).</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="196" />
            <source>'{name}' covers only {pct:.1f} % of {what}; the rest is no data.</source>
            <translation>« {name} » ne couvre que {pct:.1f} % de {what} ; le reste est sans donnée.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="205" />
            <source>The incidence angle raster '{name}' holds no valid value</source>
            <translation>Le raster d'angle d'incidence « {name} » ne contient aucune valeur valide</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="212" />
            <source> The values look like degrees: set the incidence raster units to degrees.</source>
            <translation> Les valeurs ressemblent à des degrés : réglez les unités du raster d'incidence sur degrés.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="213" />
            <source>The incidence angle raster '{name}' has values {lo:.4g} to {hi:.4g}, outside 0 to {limit:.4g} {units}.{hint}</source>
            <translation>Le raster d'angle d'incidence « {name} » a des valeurs de {lo:.4g} à {hi:.4g}, hors de 0 à {limit:.4g} {units}.{hint}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="217" />
            <source>The incidence angle raster '{name}' has values {lo:.4g} to {hi:.4g}: these look like radians, not degrees. Set the incidence raster units to radians.</source>
            <translation>Le raster d'angle d'incidence « {name} » a des valeurs de {lo:.4g} à {hi:.4g} : elles ressemblent à des radians, pas à des degrés. Réglez les unités du raster d'incidence sur radians.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="243" />
            <source>'{name}' is in a geographic CRS: pixel size {dx:.2f} x {dy:.2f} m taken at its centre latitude.</source>
            <translation>« {name} » est dans un SCR géographique : taille de pixel {dx:.2f} x {dy:.2f} m prise à la latitude de son centre.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="246" />
            <source>The pixel width of '{name}' varies by {pct:.0f} % from its top to its bottom edge; east-west slopes are off by up to that much. Reproject it to a projected CRS in metres (e.g. UTM) for accurate results.</source>
            <translation>La largeur des pixels de « {name} » varie de {pct:.0f} % entre son bord supérieur et son bord inférieur ; les pentes est-ouest sont faussées d'autant. Reprojetez-la dans un SCR projeté en mètres (par ex. UTM) pour des résultats exacts.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="265" />
            <source>Flight direction (heading), degrees clockwise from north (Sentinel-1: ~348 ascending, ~192 descending)</source>
            <translation>Direction de vol (cap), degrés dans le sens horaire depuis le nord (Sentinel-1 : ~348 ascendant, ~192 descendant)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="269" />
            <source>Look side</source>
            <translation>Côté de visée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="269" />
            <source>Right (Sentinel-1, most SARs)</source>
            <translation>Droite (Sentinel-1, la plupart des SAR)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="269" />
            <source>Left</source>
            <translation>Gauche</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="272" />
            <source>Incidence angle (degrees, used without an incidence raster)</source>
            <translation>Angle d'incidence (degrés, utilisé sans raster d'incidence)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="275" />
            <source>Incidence angle raster</source>
            <translation>Raster d'angle d'incidence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="277" />
            <source>Incidence band</source>
            <translation>Bande d'incidence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="280" />
            <source>Incidence raster units</source>
            <translation>Unités du raster d'incidence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="280" />
            <source>Degrees</source>
            <translation>Degrés</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="280" />
            <source>Radians</source>
            <translation>Radians</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="288" />
            <source>The incidence angle must be between 0 and 90 degrees (exclusive), e.g. 35; got {value}</source>
            <translation>L'angle d'incidence doit être compris entre 0 et 90 degrés (exclus), par ex. 35 ; reçu {value}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="292" />
            <source>The heading must be a number of degrees, e.g. 348</source>
            <translation>Le cap doit être un nombre de degrés, par ex. 348</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="311" />
            <source>Incidence angle: {deg:g} degrees everywhere.</source>
            <translation>Angle d'incidence : {deg:g} degrés partout.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="319" />
            <source>Incidence angle from '{name}' band {band}: {lo:.2f} to {hi:.2f} degrees.</source>
            <translation>Angle d'incidence de « {name} » bande {band} : {lo:.2f} à {hi:.2f} degrés.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="335" />
            <source>Input layer '{name}' has {n} band(s); band {band} does not exist</source>
            <translation>La couche en entrée « {name} » a {n} bande(s) ; la bande {band} n'existe pas</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="366" />
            <source>Terrain geometry</source>
            <translation>Géométrie du terrain</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="384" />
            <source>Slope (degrees)</source>
            <translation>Pente (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="385" />
            <source>Aspect (degrees clockwise from north, downslope)</source>
            <translation>Exposition (degrés dans le sens horaire depuis le nord, vers l'aval)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="386" />
            <source>Local incidence angle (degrees)</source>
            <translation>Angle d'incidence local (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="387" />
            <source>Projected local incidence angle (degrees)</source>
            <translation>Angle d'incidence local projeté (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="388" />
            <source>Distortion mask (1 layover, 2 shadow, 4 foreshortening)</source>
            <translation>Masque des distorsions (1 repliement, 2 ombre, 4 raccourcissement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="389" />
            <source>Simulated SAR (sigma0 of gamma0 = 1, linear)</source>
            <translation>SAR simulé (sigma0 d'un gamma0 = 1, linéaire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="416" />
            <source>Ask for at least one output (slope, aspect, local incidence, projected local incidence, distortion mask or simulated SAR)</source>
            <translation>Demandez au moins une sortie (pente, exposition, incidence locale, incidence locale projetée, masque des distorsions ou SAR simulé)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="426" />
            <source>slope (degrees)</source>
            <translation>pente (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="427" />
            <source>aspect (degrees clockwise from north, downslope)</source>
            <translation>exposition (degrés dans le sens horaire depuis le nord, vers l'aval)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="428" />
            <source>local incidence angle (degrees)</source>
            <translation>angle d'incidence local (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="429" />
            <source>projected local incidence angle (degrees)</source>
            <translation>angle d'incidence local projeté (degrés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="430" />
            <source>distortion (bits: 1 layover, 2 shadow, 4 foreshortening; 255 no data)</source>
            <translation>distorsion (bits : 1 repliement, 2 ombre, 4 raccourcissement ; 255 sans donnée)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="432" />
            <source>simulated sigma0 of a uniform gamma0 = 1 surface (linear power)</source>
            <translation>sigma0 simulé d'une surface uniforme de gamma0 = 1 (puissance linéaire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="441" />
            <source>Ask for at least one output</source>
            <translation>Demandez au moins une sortie</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="447" />
            <source>DEM '{name}': {x} x {y} pixels of {dx:.2f} x {dy:.2f} m; heading {h:g} degrees, looking towards {look:.1f} degrees.</source>
            <translation>MNT « {name} » : {x} x {y} pixels de {dx:.2f} x {dy:.2f} m ; cap {h:g} degrés, visée vers {look:.1f} degrés.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="450" />
            <source>layover</source>
            <translation>repliement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="450" />
            <source>shadow</source>
            <translation>ombre</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="450" />
            <source>foreshortening</source>
            <translation>raccourcissement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="453" />
            <source>{label}: {pct:.2f} % of the valid pixels</source>
            <translation>{label} : {pct:.2f} % des pixels valides</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/terrain_geometry.py" line="459" />
            <source>the DEM '{name}'</source>
            <translation>le MNT « {name} »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="29" />
            <source>&lt;p&gt;Turns a difference image (DI, e.g. from &lt;i&gt;Difference image&lt;/i&gt;) into a change mask: 1 = change, 0 = no change, 255 = no data (uint8 GeoTIFF on the DI's grid).&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Difference image&lt;/b&gt; and &lt;b&gt;Band&lt;/b&gt;: the DI band to threshold.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Method&lt;/b&gt;: &lt;ul&gt;&lt;li&gt;Otsu (1979): maximum between-class variance.&lt;/li&gt;&lt;li&gt;Kittler-Illingworth (1986): minimum error with Gaussian classes.&lt;/li&gt;&lt;li&gt;Generalized-Gaussian KI (Bazi, Bruzzone &amp;amp; Melgani 2005): minimum error with generalized Gaussian classes whose shape is estimated at each candidate threshold; suited to log-ratio images.&lt;/li&gt;&lt;li&gt;SAR ratio-model KI (Moser &amp;amp; Serpico 2006): minimum error with log-normal, Nakagami-ratio and Weibull-ratio models of the log ratio, fitted by the method of log-cumulants; the best-fitting model is kept. The DI must be a log ratio in dB (10 log10(I2/I1), the &lt;i&gt;Log ratio&lt;/i&gt; method).&lt;/li&gt;&lt;li&gt;Manual: the threshold given below.&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Manual threshold&lt;/b&gt;: in DI units; with two sides, t means thresholds -t and +t.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Side&lt;/b&gt;: &lt;i&gt;increase&lt;/i&gt;: change where DI &amp;gt;= t (unsigned DIs such as the mean ratio, the neighbourhood ratio or the Euclidean norm, or a brighter later image); &lt;i&gt;decrease&lt;/i&gt;: change where DI &amp;lt; t (darker later image); &lt;i&gt;two-sided&lt;/i&gt;: change where DI &amp;lt; t_low or DI &amp;gt;= t_high (signed DIs: difference, log ratio, signed mean ratio).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Number of looks&lt;/b&gt;: for the ratio model's Nakagami-ratio pdf; 0 (default) estimates it per class from the data, as Moser &amp;amp; Serpico do.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The threshold is fitted on every pixel of images up to 4 million pixels, else on a regular subsample of about 4 million, from a 512-bin histogram spanning the 0.01 % to 99.99 % quantiles. The log lists the threshold(s) and the fitted class parameters (priors, means, standard deviations, shapes). With heavily overlapping classes (e.g. the log ratio of speckled single-look images) the minimum-error methods may split off a tiny tail class instead of the change: despeckle the images first (&lt;i&gt;Speckle filter&lt;/i&gt;) or use a windowed difference image.&lt;/p&gt;&lt;h3&gt;Outputs&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Change mask&lt;/b&gt;: uint8, 1 change, 0 no change, 255 no data.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Difference image copy&lt;/b&gt; (optional): the thresholded band as float32.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Threshold&lt;/b&gt; (the threshold, or the upper one with two sides) and &lt;b&gt;Lower threshold&lt;/b&gt; (two sides; else equal to the threshold), in DI units.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Transforme une image de différence (DI, par ex. issue d'&lt;i&gt;Image de différence&lt;/i&gt;) en masque de changement : 1 = changement, 0 = pas de changement, 255 = sans donnée (GeoTIFF uint8 sur la grille de la DI).&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Image de différence&lt;/b&gt; et &lt;b&gt;Bande&lt;/b&gt; : la bande de la DI à seuiller.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Méthode&lt;/b&gt; : &lt;ul&gt;&lt;li&gt;Otsu (1979) : variance interclasse maximale.&lt;/li&gt;&lt;li&gt;Kittler-Illingworth (1986) : erreur minimale avec des classes gaussiennes.&lt;/li&gt;&lt;li&gt;KI gaussien généralisé (Bazi, Bruzzone &amp;amp; Melgani 2005) : erreur minimale avec des classes gaussiennes généralisées dont la forme est estimée à chaque seuil candidat ; adapté aux images en log-rapport.&lt;/li&gt;&lt;li&gt;KI à modèle de rapport SAR (Moser &amp;amp; Serpico 2006) : erreur minimale avec des modèles log-normal, rapport de Nakagami et rapport de Weibull du log-rapport, ajustés par la méthode des log-cumulants ; le modèle le mieux ajusté est retenu. La DI doit être un log-rapport en dB (10 log10(I2/I1), la méthode &lt;i&gt;Log-rapport&lt;/i&gt;).&lt;/li&gt;&lt;li&gt;Manuel : le seuil donné ci-dessous.&lt;/li&gt;&lt;/ul&gt;&lt;/li&gt;&lt;li&gt;&lt;b&gt;Seuil manuel&lt;/b&gt; : en unités de la DI ; avec deux côtés, t signifie les seuils -t et +t.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Côté&lt;/b&gt; : &lt;i&gt;hausse&lt;/i&gt; : changement là où DI &amp;gt;= t (DI non signées comme le rapport des moyennes, le rapport de voisinage ou la norme euclidienne, ou image postérieure plus claire) ; &lt;i&gt;baisse&lt;/i&gt; : changement là où DI &amp;lt; t (image postérieure plus sombre) ; &lt;i&gt;bilatéral&lt;/i&gt; : changement là où DI &amp;lt; t_bas ou DI &amp;gt;= t_haut (DI signées : différence, log-rapport, rapport des moyennes signé).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Nombre de vues&lt;/b&gt; : pour la densité du rapport de Nakagami du modèle de rapport ; 0 (par défaut) l'estime par classe à partir des données, comme le font Moser &amp;amp; Serpico.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Le seuil est ajusté sur tous les pixels des images jusqu'à 4 millions de pixels, sinon sur un sous-échantillon régulier d'environ 4 millions, à partir d'un histogramme de 512 classes couvrant les quantiles de 0.01 % à 99.99 %. Le journal indique le ou les seuils et les paramètres ajustés des classes (probabilités a priori, moyennes, écarts types, formes). Avec des classes très chevauchantes (par ex. le log-rapport d'images monovue chatoyantes), les méthodes à erreur minimale peuvent isoler une petite classe de queue au lieu du changement : débruitez d'abord les images (&lt;i&gt;Filtre de chatoiement&lt;/i&gt;) ou utilisez une image de différence à fenêtre.&lt;/p&gt;&lt;h3&gt;Sorties&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Masque de changement&lt;/b&gt; : uint8, 1 changement, 0 pas de changement, 255 sans donnée.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Copie de l'image de différence&lt;/b&gt; (optionnelle) : la bande seuillée en float32.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Seuil&lt;/b&gt; (le seuil, ou le seuil supérieur avec deux côtés) et &lt;b&gt;Seuil inférieur&lt;/b&gt; (deux côtés ; sinon égal au seuil), en unités de la DI.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="78" />
            <source>Threshold change</source>
            <translation>Seuiller les changements</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="101" />
            <source>Manual threshold (DI units)</source>
            <translation>Seuil manuel (unités de la DI)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="103" />
            <source>Side</source>
            <translation>Côté</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="103" />
            <source>Increase (change where DI &gt;= t)</source>
            <translation>Hausse (changement là où DI &gt;= t)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="103" />
            <source>Decrease (change where DI &lt; t)</source>
            <translation>Baisse (changement là où DI &lt; t)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="103" />
            <source>Two-sided (DI &lt; t_low or DI &gt;= t_high)</source>
            <translation>Bilatéral (DI &lt; t_bas ou DI &gt;= t_haut)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="107" />
            <source>Number of looks (ratio model; 0 = estimate per class)</source>
            <translation>Nombre de vues (modèle du rapport ; 0 = estimer par classe)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="110" />
            <source>Difference image copy</source>
            <translation>Copie de l'image de différence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="112" />
            <source>Threshold (upper with two sides)</source>
            <translation>Seuil (supérieur avec deux côtés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="113" />
            <source>Lower threshold (two sides)</source>
            <translation>Seuil inférieur (deux côtés)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="121" />
            <source>the manual threshold must be a finite number, got {v}</source>
            <translation>le seuil manuel doit être un nombre fini, reçu {v}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="123" />
            <source>the number of looks must be &gt;= 0 (0 = estimate), got {v}</source>
            <translation>le nombre de vues doit être &gt;= 0 (0 = estimer), reçu {v}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="150" />
            <source>Fitting the threshold on {n} valid pixels of band {band}</source>
            <translation>Ajustement du seuil sur {n} pixels valides de la bande {band}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/threshold_change.py" line="153" />
            <source>The ratio model expects a log-ratio DI in dB (10 log10(I2/I1)).</source>
            <translation>Le modèle du rapport attend une DI en log-rapport en dB (10 log10(I2/I1)).</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="280" />
            <source>Change mask: {c} changed, {u} unchanged, {n} no-data pixels</source>
            <translation>Masque de changement : {c} changés, {u} inchangés, {n} pixels sans donnée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="21" />
            <source>&lt;p&gt;Trains a coherence-from-intensity model (a Residual U-Net predicting the InSAR coherence of a pair and its uncertainty from the two detected images in dB, trained with a Gaussian negative log-likelihood; after Sica, Pulella &amp;amp; Schmitt, "Beyond Backscatter: InSAR coherence from detected SAR images") and saves it as ONNX for &lt;i&gt;Coherence from detected images&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;Training needs PyTorch, which QGIS's Python does not have: it runs in another Python interpreter as &lt;code&gt;python -m sar_change.models.coherence.cli&lt;/code&gt;, whose progress and losses appear here. Cancelling stops it and leaves no model behind.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Pair folders&lt;/b&gt;: one per line. A pair folder holds intensity_1.tif and intensity_2.tif (detected sigma0, linear power, one grid), coherence_reference.tif (the coherence estimated from the complex pair, e.g. with &lt;i&gt;Coherence from SLC pairs&lt;/i&gt;) and pair.csv (columns date_1, date_2 and optionally baseline_days, polarisation, looks); a folder with a pairs.csv listing pair folders (as the simulator writes) stands for all of them. The last dates of each folder are kept for validation.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Python with PyTorch&lt;/b&gt;: the interpreter to run (default: python3 beside QGIS's Python if it has torch, else the setting &lt;code&gt;sar_change/training_python&lt;/code&gt;).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Start from&lt;/b&gt;: random weights, the shipped model (fine-tuning to your data), or the weights file given (.pt checkpoint or coherence .onnx).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Weather conditions&lt;/b&gt;: the network also takes the weather between the dates (pair.csv columns rain_mm, snowfall_mm, melt_mm: totals over the days after the first date up to the second; wind_1_m_s, wind_2_m_s: wind on each date) as optional inputs, hidden at random in training so that the model also works without them; a model started from one trained with weather keeps them.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Epochs&lt;/b&gt;, &lt;b&gt;Time limit&lt;/b&gt;: passes over &lt;b&gt;Patches per epoch&lt;/b&gt; random patches; training stops at the limit and the best model so far is saved.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model&lt;/b&gt;: the .onnx written; the checkpoint (.pt) and the model card (.md) are written beside it.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Entraîne un modèle de cohérence à partir de l'intensité (un U-Net résiduel prédisant la cohérence InSAR d'une paire et son incertitude à partir des deux images détectées en dB, entraîné avec une log-vraisemblance négative gaussienne ; d'après Sica, Pulella &amp;amp; Schmitt, "Beyond Backscatter: InSAR coherence from detected SAR images") et l'enregistre en ONNX pour &lt;i&gt;Cohérence à partir d'images détectées&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;L'entraînement demande PyTorch, que le Python de QGIS n'a pas : il s'exécute dans un autre interpréteur Python sous la forme &lt;code&gt;python -m sar_change.models.coherence.cli&lt;/code&gt;, dont la progression et les pertes s'affichent ici. L'annulation l'arrête et ne laisse aucun modèle.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Dossiers de paires&lt;/b&gt; : un par ligne. Un dossier de paire contient intensity_1.tif et intensity_2.tif (sigma0 détecté, puissance linéaire, une seule grille), coherence_reference.tif (la cohérence estimée à partir de la paire complexe, par ex. avec &lt;i&gt;Cohérence d'une paire SLC&lt;/i&gt;) et pair.csv (colonnes date_1, date_2 et en option baseline_days, polarisation, looks) ; un dossier avec un pairs.csv listant des dossiers de paires (comme l'écrit le simulateur) vaut pour tous ceux-ci. Les dernières dates de chaque dossier sont réservées à la validation.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Python avec PyTorch&lt;/b&gt; : l'interpréteur à exécuter (par défaut : python3 à côté du Python de QGIS s'il a torch, sinon le réglage &lt;code&gt;sar_change/training_python&lt;/code&gt;).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Partir de&lt;/b&gt; : poids aléatoires, le modèle fourni (affinage sur vos données) ou le fichier de poids donné (point de contrôle .pt ou .onnx de cohérence).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Conditions météo&lt;/b&gt; : le réseau prend aussi la météo entre les dates (colonnes de pair.csv rain_mm, snowfall_mm, melt_mm : cumuls sur les jours suivant la première date jusqu'à la seconde ; wind_1_m_s, wind_2_m_s : vent à chaque date) comme entrées optionnelles, masquées au hasard pendant l'entraînement pour que le modèle fonctionne aussi sans elles ; un modèle parti d'un modèle entraîné avec la météo les garde.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Époques&lt;/b&gt;, &lt;b&gt;Limite de temps&lt;/b&gt; : passes sur &lt;b&gt;Imagettes par époque&lt;/b&gt; imagettes aléatoires ; l'entraînement s'arrête à la limite et le meilleur modèle obtenu jusque-là est enregistré.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle&lt;/b&gt; : le .onnx écrit ; le point de contrôle (.pt) et la fiche du modèle (.md) sont écrits à côté.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="53" />
            <source>folder {path} holds neither pair.csv nor pairs.csv: give pair folders (intensity_1.tif, intensity_2.tif, coherence_reference.tif, pair.csv)</source>
            <translation>le dossier {path} ne contient ni pair.csv ni pairs.csv : donnez des dossiers de paires (intensity_1.tif, intensity_2.tif, coherence_reference.tif, pair.csv)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="73" />
            <source>Train coherence model</source>
            <translation>Entraîner un modèle de cohérence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="88" />
            <source>Pair folders (one per line)</source>
            <translation>Dossiers de paires (un par ligne)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="91" />
            <source>Start from</source>
            <translation>Partir de</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="91" />
            <source>Random weights</source>
            <translation>Poids aléatoires</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="91" />
            <source>The shipped coherence model</source>
            <translation>Le modèle de cohérence fourni</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="91" />
            <source>The weights file below</source>
            <translation>Le fichier de poids ci-dessous</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="94" />
            <source>Initial weights (.pt or coherence .onnx)</source>
            <translation>Poids initiaux (.pt ou .onnx de cohérence)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="96" />
            <source>Weather conditions as optional inputs (pair.csv rain_mm, snowfall_mm, melt_mm, wind_1_m_s, wind_2_m_s)</source>
            <translation>Conditions météo comme entrées optionnelles (pair.csv rain_mm, snowfall_mm, melt_mm, wind_1_m_s, wind_2_m_s)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="101" />
            <source>Validation RMSE of the coherence</source>
            <translation>RMSE de validation de la cohérence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_coherence.py" line="111" />
            <source>'Start from' is the weights file, but the initial weights file {path} does not exist: give a .pt checkpoint or a coherence .onnx</source>
            <translation>« Partir de » est le fichier de poids, mais le fichier de poids initiaux {path} n'existe pas : donnez un point de contrôle .pt ou un .onnx de cohérence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="29" />
            <source>&lt;p&gt;Trains a learned difference-image model (a conditional U-Net predicting the target acquisition's VV and VH in dB from the N earlier acquisitions, the DEM and the acquisition conditions; Alatalo, Sipola &amp;amp; Rantonen 2023, IEEE TGRS 61) on one or more stacks and saves it as ONNX for &lt;i&gt;Learned difference image&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;Training needs PyTorch, which QGIS's Python does not have: it runs in another Python interpreter as &lt;code&gt;python -m sar_change.models.train&lt;/code&gt;, whose progress and losses appear here. Cancelling stops it and leaves no model behind.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Stack folders&lt;/b&gt;: one folder per line, each holding acquisitions.csv, the acquisition GeoTIFFs (VV, VH, linear power) and dem.tif, as written by &lt;i&gt;Simulate Sentinel-1 stack&lt;/i&gt; (change_date.tif, when present, keeps changed pixels out of the loss).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Python with PyTorch&lt;/b&gt;: the interpreter to run. Default: the python3 beside the running Python if it can import torch, else the path stored in the QGIS setting &lt;code&gt;sar_change/training_python&lt;/code&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Epochs&lt;/b&gt;: training passes, each over &lt;b&gt;Patches per epoch&lt;/b&gt; (advanced, default 512) random 64 x 64 patches.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Earlier acquisitions (N)&lt;/b&gt;: inputs per prediction (default 4).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Architecture&lt;/b&gt;: FiLM (conditions modulate every U-Net block; Perez et al. 2018) or bottleneck (conditions embedded at the U-Net bottleneck).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Initial weights&lt;/b&gt; (optional): a .pt checkpoint or a learned-DI .onnx to start from (transfer learning).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Seed&lt;/b&gt;: random seed; the same data, settings and seed repeat a run.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Threads&lt;/b&gt;, &lt;b&gt;Time limit&lt;/b&gt; (advanced): torch threads; minutes after which training stops and the best model so far is saved (0 = none).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Model&lt;/b&gt;: the .onnx file written; the trainer's checkpoint (.pt, for transfer learning) is written beside it.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Entraîne un modèle d'image de différence apprise (un U-Net conditionnel prédisant le VV et le VH en dB de l'acquisition cible à partir des N acquisitions antérieures, du MNT et des conditions d'acquisition ; Alatalo, Sipola &amp;amp; Rantonen 2023, IEEE TGRS 61) sur une ou plusieurs piles et l'enregistre en ONNX pour &lt;i&gt;Image de différence apprise&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;L'entraînement demande PyTorch, que le Python de QGIS n'a pas : il s'exécute dans un autre interpréteur Python sous la forme &lt;code&gt;python -m sar_change.models.train&lt;/code&gt;, dont la progression et les pertes s'affichent ici. L'annulation l'arrête et ne laisse aucun modèle.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Dossiers de piles&lt;/b&gt; : un dossier par ligne, chacun contenant acquisitions.csv, les GeoTIFF des acquisitions (VV, VH, puissance linéaire) et dem.tif, tels qu'écrits par &lt;i&gt;Simuler une pile Sentinel-1&lt;/i&gt; (change_date.tif, s'il est présent, exclut les pixels changés de la perte).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Python avec PyTorch&lt;/b&gt; : l'interpréteur à exécuter. Par défaut : le python3 à côté du Python en cours d'exécution s'il peut importer torch, sinon le chemin enregistré dans le réglage QGIS &lt;code&gt;sar_change/training_python&lt;/code&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Époques&lt;/b&gt; : passes d'entraînement, chacune sur &lt;b&gt;Imagettes par époque&lt;/b&gt; (avancé, 512 par défaut) imagettes aléatoires de 64 x 64.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Acquisitions antérieures (N)&lt;/b&gt; : entrées par prédiction (4 par défaut).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Architecture&lt;/b&gt; : FiLM (les conditions modulent chaque bloc du U-Net ; Perez et al. 2018) ou goulot (conditions intégrées au goulot d'étranglement du U-Net).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Poids initiaux&lt;/b&gt; (optionnel) : un point de contrôle .pt ou un .onnx de DI apprise dont partir (apprentissage par transfert).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Graine&lt;/b&gt; : graine aléatoire ; les mêmes données, réglages et graine reproduisent une exécution.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fils d'exécution&lt;/b&gt;, &lt;b&gt;Limite de temps&lt;/b&gt; (avancés) : fils de torch ; minutes après lesquelles l'entraînement s'arrête et le meilleur modèle obtenu jusque-là est enregistré (0 = aucune).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Modèle&lt;/b&gt; : le fichier .onnx écrit ; le point de contrôle de l'entraîneur (.pt, pour l'apprentissage par transfert) est écrit à côté.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="60" />
            <source>stack folder {path} holds no acquisitions.csv: give folders of stacks as written by 'Simulate Sentinel-1 stack'</source>
            <translation>le dossier de pile {path} ne contient pas d'acquisitions.csv : donnez des dossiers de piles tels qu'écrits par « Simuler une pile Sentinel-1 »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="88" />
            <source>Train learned difference image model</source>
            <translation>Entraîner un modèle d'image de différence apprise</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="104" />
            <source>Stack folders (one per line)</source>
            <translation>Dossiers de piles (un par ligne)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="107" />
            <source>Earlier acquisitions per prediction (N)</source>
            <translation>Acquisitions antérieures par prédiction (N)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="109" />
            <source>Architecture</source>
            <translation>Architecture</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="109" />
            <source>FiLM (conditions in every block)</source>
            <translation>FiLM (conditions dans chaque bloc)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="109" />
            <source>Bottleneck (conditions at the bottleneck)</source>
            <translation>Goulot (conditions au goulot d'étranglement)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="113" />
            <source>Initial weights for transfer learning (.pt or .onnx)</source>
            <translation>Poids initiaux pour l'apprentissage par transfert (.pt ou .onnx)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="118" />
            <source>Validation loss at the best epoch</source>
            <translation>Perte de validation à la meilleure époque</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="118" />
            <source>Validation MAE at the best epoch (dB)</source>
            <translation>MAE de validation à la meilleure époque (dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_learned_di.py" line="136" />
            <source>Stack {path}: {error}</source>
            <translation>Pile {path} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="17" />
            <source>&lt;p&gt;Trains a SAR-to-optical translation model on co-registered SAR/optical pairs and saves it as ONNX for &lt;i&gt;SAR to optical&lt;/i&gt;: SARDINet (Bralet et al., ICIP 2022) without DEM or with the early, late or intermediate DEM fusion of Bralet et al. (IGARSS 2024), or a pix2pix U-Net baseline; mean absolute error with Adam.&lt;/p&gt;&lt;p&gt;Training needs PyTorch and runs in another Python interpreter (&lt;code&gt;python -m sar_change.models.sar_to_optical.cli&lt;/code&gt;); its progress and losses appear here, cancelling stops it and leaves no model behind.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Pair folders&lt;/b&gt;: one per line, each with a pairs.csv (columns pair_id, source, scene, date, sar_date, orbit_direction, sar, optical, dem, distortion, cloud_mask, ...; raster paths relative to the CSV): SAR GeoTIFFs with VV and VH in dB, optical GeoTIFFs with B02, B03, B04, B08 reflectance (0..1), the DEM (m) on the same grid for the DEM fusions, an optional cloud mask (0 = clear). The simulator's optical twin and the BigEarthNet reader write this format. Validation holds out whole scenes (or every fourth pair with a single scene).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Initial weights&lt;/b&gt;: a .pt checkpoint or a sar_to_optical .onnx of the same network to fine-tune (e.g. the shipped model on your own pairs); empty: random weights.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Entraîne un modèle de traduction SAR vers optique sur des paires SAR/optique recalées et l'enregistre en ONNX pour &lt;i&gt;SAR vers optique&lt;/i&gt; : SARDINet (Bralet et al., ICIP 2022) sans MNT ou avec la fusion précoce, tardive ou intermédiaire du MNT de Bralet et al. (IGARSS 2024), ou une référence U-Net pix2pix ; erreur absolue moyenne avec Adam.&lt;/p&gt;&lt;p&gt;L'entraînement demande PyTorch et s'exécute dans un autre interpréteur Python (&lt;code&gt;python -m sar_change.models.sar_to_optical.cli&lt;/code&gt;) ; sa progression et ses pertes s'affichent ici, l'annulation l'arrête et ne laisse aucun modèle.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Dossiers de paires&lt;/b&gt; : un par ligne, chacun avec un pairs.csv (colonnes pair_id, source, scene, date, sar_date, orbit_direction, sar, optical, dem, distortion, cloud_mask, ... ; chemins des rasters relatifs au CSV) : GeoTIFF SAR avec VV et VH en dB, GeoTIFF optiques avec la réflectance de B02, B03, B04, B08 (0..1), le MNT (m) sur la même grille pour les fusions du MNT, un masque de nuages optionnel (0 = dégagé). Le jumeau optique du simulateur et le lecteur BigEarthNet écrivent ce format. La validation réserve des scènes entières (ou une paire sur quatre s'il n'y a qu'une scène).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Poids initiaux&lt;/b&gt; : un point de contrôle .pt ou un .onnx sar_to_optical du même réseau à affiner (par ex. le modèle fourni sur vos propres paires) ; vide : poids aléatoires.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="40" />
            <source>pair folder {path} holds no pairs.csv: give folders written by the simulator's optical twin or the BigEarthNet reader, or your own with that table</source>
            <translation>le dossier de paires {path} ne contient pas de pairs.csv : donnez des dossiers écrits par le jumeau optique du simulateur ou par le lecteur BigEarthNet, ou les vôtres avec cette table</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="40" />
            <source>give at least one pair folder (one per line)</source>
            <translation>donnez au moins un dossier de paires (un par ligne)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="48" />
            <source>fusion '{fusion}' needs a DEM but {n} pair(s) of {path} have none (e.g. {pair}): fill the dem column or choose the fusion 'none'</source>
            <translation>la fusion « {fusion} » demande un MNT mais {n} paire(s) de {path} n'en ont pas (par ex. {pair}) : remplissez la colonne dem ou choisissez la fusion « none »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="68" />
            <source>Train SAR-to-optical model</source>
            <translation>Entraîner un modèle SAR vers optique</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="83" />
            <source>Pair folders with pairs.csv (one per line)</source>
            <translation>Dossiers de paires avec pairs.csv (un par ligne)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="86" />
            <source>Network</source>
            <translation>Réseau</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="86" />
            <source>SARDINet</source>
            <translation>SARDINet</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="86" />
            <source>pix2pix U-Net (baseline)</source>
            <translation>U-Net pix2pix (référence)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="89" />
            <source>DEM fusion</source>
            <translation>Fusion du MNT</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="89" />
            <source>None (SAR only)</source>
            <translation>Aucune (SAR seul)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="89" />
            <source>Early</source>
            <translation>Précoce</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="89" />
            <source>Late</source>
            <translation>Tardive</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="89" />
            <source>Intermediate</source>
            <translation>Intermédiaire</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="93" />
            <source>Initial weights (.pt or .onnx; empty: random)</source>
            <translation>Poids initiaux (.pt ou .onnx ; vide : aléatoires)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="98" />
            <source>Validation MAE at the best epoch</source>
            <translation>MAE de validation à la meilleure époque</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_sar_to_optical.py" line="104" />
            <source>the pix2pix baseline takes the DEM only as an extra input channel: choose the fusion 'None' or 'Early', or the network SARDINet</source>
            <translation>la référence pix2pix ne prend le MNT que comme canal d'entrée supplémentaire : choisissez la fusion « None » ou « Early », ou le réseau SARDINet</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="42" />
            <source>&lt;p&gt;Trains a SAR segmentation model (water, ice, land cover, ...) from your own labels: a ResNet-18 encoder cut after its third block with an ASPP decoder (Karimzadeh &amp;amp; Pires de Lima 2022), inputs the chosen SAR bands in dB and optionally the incidence angle, saved as ONNX with the class names and colours for &lt;i&gt;Segment SAR raster&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;Training needs PyTorch, which QGIS's Python does not have: it runs in another Python as &lt;code&gt;python -m sar_change.models.segmentation.train&lt;/code&gt;; progress and losses appear here; cancelling leaves no model behind.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;SAR raster&lt;/b&gt;, &lt;b&gt;SAR bands&lt;/b&gt; (e.g. 1,2), &lt;b&gt;Band names&lt;/b&gt; (e.g. VV,VH), &lt;b&gt;Scale&lt;/b&gt; (linear power, amplitude or dB), &lt;b&gt;Incidence angle band&lt;/b&gt; (degrees, optional).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Label polygons&lt;/b&gt; with an integer &lt;b&gt;Class field&lt;/b&gt; (0, 1, ... in the order of the class names), or a &lt;b&gt;Label raster&lt;/b&gt; on the SAR raster's grid (255 or no data = unlabelled).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Validation&lt;/b&gt;: validation polygons (same class field), or a validation label raster, or else a share of the label polygons held out at random (&lt;b&gt;Validation share&lt;/b&gt;).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Class names&lt;/b&gt;: comma-separated, e.g. water,ice,land; &lt;b&gt;Colours&lt;/b&gt; (optional): #rrggbb per class.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Loss&lt;/b&gt;: cross-entropy or focal; &lt;b&gt;Class weights&lt;/b&gt;: none, balanced (inverse class frequency) or square root (of the inverse frequency, milder).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Initial weights&lt;/b&gt;: empty = random; &lt;code&gt;segmentation.sar_despeckling&lt;/code&gt; = the SAR-pretrained encoder (self-supervised despeckling); or a .pt/.onnx path.&lt;/li&gt;&lt;li&gt;Patches of &lt;b&gt;Patch size&lt;/b&gt; pixels (multiple of 16) are drawn at random around labelled pixels.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Entraîne un modèle de segmentation SAR (eau, glace, occupation du sol, ...) à partir de vos propres étiquettes : un encodeur ResNet-18 coupé après son troisième bloc avec un décodeur ASPP (Karimzadeh &amp;amp; Pires de Lima 2022), en entrée les bandes SAR choisies en dB et en option l'angle d'incidence, enregistré en ONNX avec les noms et couleurs des classes pour &lt;i&gt;Segmenter un raster SAR&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;L'entraînement demande PyTorch, que le Python de QGIS n'a pas : il s'exécute dans un autre Python sous la forme &lt;code&gt;python -m sar_change.models.segmentation.train&lt;/code&gt; ; la progression et les pertes s'affichent ici ; l'annulation ne laisse aucun modèle.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Raster SAR&lt;/b&gt;, &lt;b&gt;Bandes SAR&lt;/b&gt; (par ex. 1,2), &lt;b&gt;Noms des bandes&lt;/b&gt; (par ex. VV,VH), &lt;b&gt;Échelle&lt;/b&gt; (puissance linéaire, amplitude ou dB), &lt;b&gt;Bande d'angle d'incidence&lt;/b&gt; (degrés, optionnelle).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Polygones d'étiquettes&lt;/b&gt; avec un &lt;b&gt;Champ de classe&lt;/b&gt; entier (0, 1, ... dans l'ordre des noms de classes), ou un &lt;b&gt;Raster d'étiquettes&lt;/b&gt; sur la grille du raster SAR (255 ou sans donnée = non étiqueté).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Validation&lt;/b&gt; : des polygones de validation (même champ de classe), ou un raster d'étiquettes de validation, ou à défaut une part des polygones d'étiquettes réservée au hasard (&lt;b&gt;Part de validation&lt;/b&gt;).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Noms des classes&lt;/b&gt; : séparés par des virgules, par ex. eau,glace,terre ; &lt;b&gt;Couleurs&lt;/b&gt; (optionnelles) : #rrggbb par classe.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Perte&lt;/b&gt; : entropie croisée ou focale ; &lt;b&gt;Poids des classes&lt;/b&gt; : aucun, équilibrés (inverse de la fréquence des classes) ou racine carrée (de l'inverse de la fréquence : plus doux).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Poids initiaux&lt;/b&gt; : vide = aléatoires ; &lt;code&gt;segmentation.sar_despeckling&lt;/code&gt; = l'encodeur préentraîné sur du SAR (débruitage du chatoiement auto-supervisé) ; ou un chemin .pt/.onnx.&lt;/li&gt;&lt;li&gt;Des imagettes de &lt;b&gt;Taille des imagettes&lt;/b&gt; pixels (multiple de 16) sont tirées au hasard autour des pixels étiquetés.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="69" />
            <source>The label polygons have no field {field}: choose the class field</source>
            <translation>Les polygones d'étiquettes n'ont pas de champ {field} : choisissez le champ de classe</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="73" />
            <source>The class field {field} is not numeric: give integer classes 0, 1, ... in the order of the class names</source>
            <translation>Le champ de classe {field} n'est pas numérique : donnez des classes entières 0, 1, ... dans l'ordre des noms de classes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="89" />
            <source>Class field {field} holds {value}: classes must be integers 0..{last} (one per class name)</source>
            <translation>Le champ de classe {field} contient {value} : les classes doivent être des entiers 0..{last} (un par nom de classe)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="135" />
            <source>The {what} hold no labelled pixel on the SAR raster: do they overlap it (same area, CRS)?</source>
            <translation>Les {what} ne contiennent aucun pixel étiqueté sur le raster SAR : le recouvrent-elles (même zone, même SCR) ?</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="141" />
            <source>The {what} hold class value {v}: classes must be 0..{last} (one per class name, 255 = unlabelled)</source>
            <translation>Les {what} contiennent la valeur de classe {v} : les classes doivent être 0..{last} (une par nom de classe, 255 = non étiqueté)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="148" />
            <source>The {what} label only {n} pixel(s), too few for {p} x {p}-pixel patches: draw larger areas</source>
            <translation>Les {what} n'étiquettent que {n} pixel(s), trop peu pour des imagettes de {p} x {p} pixels : dessinez des zones plus grandes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="178" />
            <source>Train SAR segmentation model</source>
            <translation>Entraîner un modèle de segmentation SAR</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="195" />
            <source>SAR bands (e.g. 1,2)</source>
            <translation>Bandes SAR (par ex. 1,2)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="196" />
            <source>Band names</source>
            <translation>Noms des bandes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="197" />
            <source>Label polygons</source>
            <translation>Polygones d'étiquettes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="200" />
            <source>Class field (0, 1, ...)</source>
            <translation>Champ de classe (0, 1, ...)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="208" />
            <source>Label raster (instead of polygons)</source>
            <translation>Raster d'étiquettes (au lieu des polygones)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="213" />
            <source>Validation polygons</source>
            <translation>Polygones de validation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="216" />
            <source>Validation label raster</source>
            <translation>Raster d'étiquettes de validation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="219" />
            <source>Validation share of the label polygons (when no validation layer)</source>
            <translation>Part des polygones d'étiquettes pour la validation (sans couche de validation)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="229" />
            <source>Class names (comma-separated, in class order)</source>
            <translation>Noms des classes (séparés par des virgules, dans l'ordre des classes)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="236" />
            <source>Class colours (#rrggbb, comma-separated)</source>
            <translation>Couleurs des classes (#rrggbb, séparées par des virgules)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="237" />
            <source>Loss</source>
            <translation>Perte</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="237" />
            <source>Cross-entropy</source>
            <translation>Entropie croisée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="237" />
            <source>Focal</source>
            <translation>Focale</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="242" />
            <source>Class weights</source>
            <translation>Poids des classes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="242" />
            <source>Balanced (inverse frequency)</source>
            <translation>Équilibrés (inverse de la fréquence)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="242" />
            <source>Square root of the inverse frequency</source>
            <translation>Racine carrée de l'inverse de la fréquence</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="254" />
            <source>Initial weights (empty = random; segmentation.sar_despeckling = SAR-pretrained encoder; or a .pt/.onnx path)</source>
            <translation>Poids initiaux (vide = aléatoires ; segmentation.sar_despeckling = encodeur préentraîné sur du SAR ; ou un chemin .pt/.onnx)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="275" />
            <source>Keep the pretrained encoder frozen for the first epochs</source>
            <translation>Garder l'encodeur préentraîné gelé pendant les premières époques</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="287" />
            <source>Validation mean IoU at the best epoch</source>
            <translation>IoU moyenne de validation à la meilleure époque</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="305" />
            <source>{n} band names for {b} SAR bands: give one name per band</source>
            <translation>{n} noms de bandes pour {b} bandes SAR : donnez un nom par bande</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="311" />
            <source>Patch size must be a multiple of {m} pixels</source>
            <translation>La taille des imagettes doit être un multiple de {m} pixels</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="315" />
            <source>Give the labels either as polygons (with a class field) or as a label raster</source>
            <translation>Donnez les étiquettes soit en polygones (avec un champ de classe), soit en raster d'étiquettes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="319" />
            <source>Choose the class field of the label polygons</source>
            <translation>Choisissez le champ de classe des polygones d'étiquettes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="325" />
            <source>With a label raster, give a validation label raster or validation polygons</source>
            <translation>Avec un raster d'étiquettes, donnez un raster d'étiquettes de validation ou des polygones de validation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="331" />
            <source>The label polygons</source>
            <translation>Les polygones d'étiquettes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="341" />
            <source>The {what} '{name}' ({w} x {h}) is not on the grid of the SAR raster ({W} x {H}): resample it onto that grid</source>
            <translation>La couche {what} « {name} » ({w} x {h}) n'est pas sur la grille du raster SAR ({W} x {H}) : rééchantillonnez-la sur cette grille</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="380" />
            <source>Too few label polygons to hold some out for validation: draw more or give validation polygons</source>
            <translation>Trop peu de polygones d'étiquettes pour en réserver à la validation : dessinez-en davantage ou donnez des polygones de validation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="388" />
            <source>{n} polygon(s) held out for validation</source>
            <translation>{n} polygone(s) réservé(s) pour la validation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="400" />
            <source>training labels</source>
            <translation>étiquettes d'entraînement</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="402" />
            <source>The training labels hold a single class: label at least two classes</source>
            <translation>Les étiquettes d'entraînement ne contiennent qu'une seule classe : étiquetez au moins deux classes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="405" />
            <source>validation labels</source>
            <translation>étiquettes de validation</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/train_segmentation.py" line="406" />
            <source>Labelled training pixels per class: {counts}</source>
            <translation>Pixels d'entraînement étiquetés par classe : {counts}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="107" />
            <source>The Python interpreter {path} set in the QGIS setting {key} does not exist: fix the setting or give the interpreter as 'Python with PyTorch'</source>
            <translation>L'interpréteur Python {path} défini dans le réglage QGIS {key} n'existe pas : corrigez le réglage ou donnez l'interpréteur comme « Python avec PyTorch »</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="111" />
            <source>No Python interpreter with PyTorch found ({candidate} cannot import torch and the QGIS setting {key} is empty): install torch (python -m pip install torch) into a Python 3 and give it as 'Python with PyTorch', or store its path in the setting {key}</source>
            <translation>Aucun interpréteur Python avec PyTorch trouvé ({candidate} ne peut pas importer torch et le réglage QGIS {key} est vide) : installez torch (python -m pip install torch) dans un Python 3 et donnez-le comme « Python avec PyTorch », ou enregistrez son chemin dans le réglage {key}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="120" />
            <source>Python with PyTorch (default: python3 beside QGIS's Python, or the setting sar_change/training_python)</source>
            <translation>Python avec PyTorch (par défaut : python3 à côté du Python de QGIS, ou le réglage sar_change/training_python)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="412" />
            <source>All files (*)</source>
            <translation>Tous les fichiers (*)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="130" />
            <source>Python interpreter {path} does not exist: give the path of a python3 that has PyTorch</source>
            <translation>L'interpréteur Python {path} n'existe pas : donnez le chemin d'un python3 qui a PyTorch</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="175" />
            <source>, validation MAE {mae} dB</source>
            <translation>, MAE de validation {mae} dB</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="178" />
            <source>Initial model: validation loss {val}{extra}</source>
            <translation>Modèle initial : perte de validation {val}{extra}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="181" />
            <source>Epoch {epoch}: training loss {train}, validation loss {val}{extra}</source>
            <translation>Époque {epoch} : perte d'entraînement {train}, perte de validation {val}{extra}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="186" />
            <source>Trainer stopped: {reason}</source>
            <translation>Entraîneur arrêté : {reason}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="200" />
            <source>Cannot start {python}: {error}</source>
            <translation>Impossible de démarrer {python} : {error}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="215" />
            <source>Stopping the trainer...</source>
            <translation>Arrêt de l'entraîneur...</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="310" />
            <source>Cancelled: the trainer was stopped and no model was written.</source>
            <translation>Annulé : l'entraîneur a été arrêté et aucun modèle n'a été écrit.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="314" />
            <source>(nothing on stderr)</source>
            <translation>(rien sur stderr)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="317" />
            <source> {python} has no PyTorch: install it there (python -m pip install torch) or give another interpreter.</source>
            <translation> {python} n'a pas PyTorch : installez-le (python -m pip install torch) ou donnez un autre interpréteur.</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="319" />
            <source>Training failed (exit status {status}).{hint} Last lines of the trainer's error output:
{tail}</source>
            <translation>L'entraînement a échoué (code de sortie {status}).{hint} Dernières lignes de la sortie d'erreur de l'entraîneur :
{tail}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="324" />
            <source>The trainer exited without writing a model: see the log above</source>
            <translation>L'entraîneur s'est terminé sans écrire de modèle : voir le journal ci-dessus</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="326" />
            <source>Model written: {path}</source>
            <translation>Modèle écrit : {path}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="350" />
            <source>give at least one folder (one per line)</source>
            <translation>donnez au moins un dossier (un par ligne)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="396" />
            <source>Initial weights {path} do not exist: give a .pt checkpoint or an .onnx model</source>
            <translation>Les poids initiaux {path} n'existent pas : donnez un point de contrôle .pt ou un modèle .onnx</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="399" />
            <source>Initial weights {path} are neither a .pt checkpoint nor an .onnx model: give one of those (or start from random weights)</source>
            <translation>Les poids initiaux {path} ne sont ni un point de contrôle .pt ni un modèle .onnx : donnez l'un des deux (ou partez de poids aléatoires)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="405" />
            <source>Initial weights {path}: {error}; give a '{kind}' model (or a .pt checkpoint)</source>
            <translation>Poids initiaux {path} : {error} ; donnez un modèle '{kind}' (ou un point de contrôle .pt)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="465" />
            <source>Time limit (minutes; 0 = none)</source>
            <translation>Limite de temps (minutes ; 0 = aucune)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="467" />
            <source>Epochs</source>
            <translation>Époques</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="469" />
            <source>Torch threads</source>
            <translation>Fils d'exécution de torch</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="470" />
            <source>Patches per epoch</source>
            <translation>Imagettes par époque</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="492" />
            <source>Best epoch</source>
            <translation>Meilleure époque</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="506" />
            <source>Initial weights {path} do not exist</source>
            <translation>Les poids initiaux {path} n'existent pas</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/training_runner.py" line="517" />
            <source>Output 'Model' ({path}) must not overwrite the initial weights {init}: choose another model file</source>
            <translation>La sortie 'Modèle' ({path}) ne doit pas écraser les poids initiaux {init} : choisissez un autre fichier de modèle</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="34" />
            <source>&lt;p&gt;Change mask of two co-registered SAR images of the same area (earlier, later) with no training data: 1 = changed, 0 = unchanged, 255 = no data (uint8 GeoTIFF on the grid of the earlier image). A pixel that is no data in either image is no data.&lt;/p&gt;&lt;h3&gt;Methods&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Default (robust)&lt;/b&gt;: {default}. Chosen, with no per-dataset parameter, by a leave-one-pair-out protocol over the labelled benchmark pairs and simulated pairs (&lt;code&gt;benchmarks/change_detection.py --protocol loo&lt;/code&gt;). The difference image setting below does not apply to it.&lt;/li&gt;&lt;li&gt;The other methods run after the default's speckle filter, on the difference image chosen below.&lt;/li&gt;&lt;li&gt;&lt;b&gt;PCA-KMeans&lt;/b&gt; (Celik 2009): principal components of 5 x 5 blocks of the difference image, 5 x 5 neighbourhood of every pixel projected on the first 3, k-means with two clusters; the cluster with the larger mean difference is the change.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Fuzzy c-means&lt;/b&gt;: two clusters of the difference image values (pixel by pixel).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Self-supervised classifier&lt;/b&gt; (PCANet / DDNet family): a pre-classification of this pair labels confident changed and unchanged pixels; a small neural network (one hidden layer, scikit-learn MLP) learns from their 7 x 7 patches of the log ratio and the difference image and labels every pixel. Trained for each pair in seconds; no torch, no shipped weights.&lt;/li&gt;&lt;li&gt;&lt;b&gt;PCANet pipeline&lt;/b&gt; (Gao et al. 2016): a hierarchical fuzzy c-means pre-classification of the 5 x 5 mean difference image into changed, unchanged and uncertain pixels; the same kind of network, trained on the confident pixels from 7 x 7 patches of both dates (dB), the difference image and its 5 x 5 mean, labels the uncertain pixels.&lt;/li&gt;&lt;li&gt;&lt;b&gt;PCA-KMeans + Markov random field&lt;/b&gt; (spatial context; Bruzzone &amp;amp; Prieto 2000): the PCA-KMeans map is regularised by a Potts prior (beta 1.5 per agreeing neighbour of the 8) on the likelihood k-means assumes (two Gaussian classes of equal spread around its two centres), 5 sweeps of iterated conditional modes; when the guard replaces the map, the fallback's map is regularised the same way on the 5 x 5 mean difference image.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Image 1 is first scaled so that the median of the log ratio the difference image folds is 0 dB (of the 3 x 3 means for the window difference images, of the pixels for |LR|): this removes a calibration or 8-bit stretch difference and the log-ratio bias of different numbers of looks, which depends on the window (Fisher-Snedecor law of the ratio of two means). Every method assumes that fewer than half of the valid pixels changed (the median pixel is an unchanged one, and the guard below refuses a majority): where most of the area changed, the map is inverted (the unchanged part labelled changed). The log warns when the offset exceeds what unequal looks explain (+-1.59 dB, one look against many): a calibration or stretch difference between the dates, or such a majority change; then check the map against known areas, and if most of the area may have changed, run again on an extent with more unchanged ground.&lt;/p&gt;&lt;h3&gt;Guard against all-change maps&lt;/h3&gt;&lt;p&gt;Rule: {guard}. The log reports the changed share, how confident the separation of the difference image is (Sarle's bimodality coefficient; Ashman's D, overlap and false-alarm share of two Gaussian classes fitted from the method's split) and which rule made the map; the outputs &lt;i&gt;Changed fraction&lt;/i&gt;, &lt;i&gt;Separation&lt;/i&gt;, &lt;i&gt;Bimodality&lt;/i&gt; and &lt;i&gt;Guard&lt;/i&gt; carry them.&lt;/p&gt;&lt;h3&gt;Parameters&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Input scale&lt;/b&gt;: linear power, amplitude (e.g. 8-bit images of the classic benchmarks) or dB; both images in the same scale.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Power floor&lt;/b&gt;: linear power below which values are raised to it before the ratios; 0 refuses zero power (8-bit images often hold zeros: give e.g. 1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Random seed&lt;/b&gt;: of k-means, the samples and the network (results are repeatable).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Exclusion mask&lt;/b&gt; (optional, off by default): a raster on the grid of the earlier image, band 1, non-zero = excluded (e.g. permanent or reference water, as operational flood mapping does; or areas known not to change). Threshold a water occurrence layer first (e.g. JRC Global Surface Water occurrence &gt;= 90 with the Raster calculator): a raw occurrence layer is non-zero wherever water was ever seen, which is where floods happen, and excluded pixels cannot be found changed. Do not buffer the mask: a water mask dilated by 2 pixels covered 15-39 % of the changed pixels of simulated floods and lowered their kappa (benchmarks/results/change_exclusion.md). Excluded pixels are left out of every statistic that sets the clusters, thresholds, guard and fallback (they are no data for the chain, also in its windows) and are written as unchanged (0); its zeros and no-data pixels are not excluded. A polygon layer: rasterise it onto that grid first (GDAL Rasterize, burn value 1). The log and the output &lt;i&gt;Excluded pixels&lt;/i&gt; give how many pixels valid in both images were excluded.&lt;/li&gt;&lt;/ul&gt;</source>
            <translation>&lt;p&gt;Masque de changement de deux images SAR coregistrées de la même zone (antérieure, postérieure) sans données d'entraînement : 1 = changé, 0 = inchangé, 255 = sans données (GeoTIFF uint8 sur la grille de l'image antérieure). Un pixel sans données dans l'une des images est sans données.&lt;/p&gt;&lt;h3&gt;Méthodes&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Par défaut (robuste)&lt;/b&gt; : {default}. Choisie, sans aucun paramètre propre au jeu de données, par un protocole « une paire laissée de côté » sur les paires de référence annotées et des paires simulées (&lt;code&gt;benchmarks/change_detection.py --protocol loo&lt;/code&gt;). Le réglage d'image de différence ci-dessous ne s'y applique pas.&lt;/li&gt;&lt;li&gt;Les autres méthodes s'exécutent après le filtre de chatoiement de la chaîne par défaut, sur l'image de différence choisie ci-dessous.&lt;/li&gt;&lt;li&gt;&lt;b&gt;PCA-KMeans&lt;/b&gt; (Celik 2009) : composantes principales de blocs 5 x 5 de l'image de différence, voisinage 5 x 5 de chaque pixel projeté sur les 3 premières, k-means à deux classes ; la classe de plus grande différence moyenne est le changement.&lt;/li&gt;&lt;li&gt;&lt;b&gt;C-moyennes floues&lt;/b&gt; : deux classes des valeurs de l'image de différence (pixel par pixel).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Classifieur auto-supervisé&lt;/b&gt; (famille PCANet / DDNet) : une pré-classification de cette paire étiquette des pixels changés et inchangés sûrs ; un petit réseau de neurones (une couche cachée, MLP de scikit-learn) apprend sur leurs imagettes 7 x 7 du log-rapport et de l'image de différence et étiquette chaque pixel. Entraîné pour chaque paire en quelques secondes ; sans torch, sans poids fournis.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Chaîne PCANet&lt;/b&gt; (Gao et al. 2016) : une pré-classification hiérarchique par c-moyennes floues de l'image de différence moyennée 5 x 5 en pixels changés, inchangés et incertains ; le même type de réseau, entraîné sur les pixels sûrs à partir d'imagettes 7 x 7 des deux dates (dB), de l'image de différence et de sa moyenne 5 x 5, étiquette les pixels incertains.&lt;/li&gt;&lt;li&gt;&lt;b&gt;PCA-KMeans + champ de Markov&lt;/b&gt; (contexte spatial ; Bruzzone &amp;amp; Prieto 2000) : la carte de PCA-KMeans est régularisée par un a priori de Potts (bêta 1,5 par voisin concordant parmi les 8) sur la vraisemblance que suppose k-means (deux classes gaussiennes de même dispersion autour de ses deux centres), 5 passes de modes conditionnels itérés ; quand la garde remplace la carte, la carte de repli est régularisée de la même façon sur l'image de différence moyennée 5 x 5.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;L'image 1 est d'abord mise à l'échelle pour que la médiane du log-rapport que replie l'image de différence soit de 0 dB (celui des moyennes 3 x 3 pour les images de différence à fenêtre, celui des pixels pour |LR|) : cela supprime une différence d'étalonnage ou d'étirement 8 bits et le biais du log-rapport dû à des nombres de vues différents, qui dépend de la fenêtre (loi de Fisher-Snedecor du rapport de deux moyennes). Toutes les méthodes supposent que moins de la moitié des pixels valides ont changé (le pixel médian est un pixel inchangé, et le garde-fou ci-dessous refuse une majorité) : là où la plus grande partie de la zone a changé, la carte est inversée (la partie inchangée marquée comme changée). Le journal avertit quand le décalage dépasse ce qu'expliquent des nombres de vues inégaux (+-1,59 dB, une vue contre beaucoup) : une différence d'étalonnage ou d'étirement entre les dates, ou un tel changement majoritaire ; vérifiez alors la carte sur des zones connues et, si la plus grande partie de la zone a pu changer, relancez sur une emprise comprenant plus de terrain inchangé.&lt;/p&gt;&lt;h3&gt;Garde-fou contre les cartes tout en changement&lt;/h3&gt;&lt;p&gt;Règle : {guard}. Le journal indique la part de pixels changés, le degré de confiance de la séparation de l'image de différence (coefficient de bimodalité de Sarle ; D d'Ashman, recouvrement et part de fausses alarmes de deux classes gaussiennes ajustées à partir de la partition de la méthode) et la règle qui a produit la carte ; les sorties &lt;i&gt;Fraction changée&lt;/i&gt;, &lt;i&gt;Séparation&lt;/i&gt;, &lt;i&gt;Bimodalité&lt;/i&gt; et &lt;i&gt;Garde-fou&lt;/i&gt; les portent.&lt;/p&gt;&lt;h3&gt;Paramètres&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Échelle de l'entrée&lt;/b&gt; : puissance linéaire, amplitude (par ex. les images 8 bits des jeux de référence classiques) ou dB ; les deux images dans la même échelle.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Plancher de puissance&lt;/b&gt; : puissance linéaire en dessous de laquelle les valeurs y sont relevées avant les rapports ; 0 refuse une puissance nulle (les images 8 bits contiennent souvent des zéros : donnez par ex. 1).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Graine aléatoire&lt;/b&gt; : des k-means, des échantillons et du réseau (les résultats sont reproductibles).&lt;/li&gt;&lt;li&gt;&lt;b&gt;Masque d'exclusion&lt;/b&gt; (facultatif, désactivé par défaut) : un raster sur la grille de l'image antérieure, bande 1, non nul = exclu (par ex. l'eau permanente ou de référence, ainsi que le fait la cartographie opérationnelle des inondations ; ou des zones que l'on sait inchangées). Seuillez d'abord une couche d'occurrence de l'eau (par ex. l'occurrence de JRC Global Surface Water &gt;= 90 avec la Calculatrice raster) : une couche d'occurrence brute est non nulle partout où l'eau a jamais été vue, c'est-à-dire là où surviennent les inondations, et un pixel exclu ne peut pas être trouvé changé. N'élargissez pas le masque par une zone tampon : un masque d'eau dilaté de 2 pixels couvrait 15 à 39 % des pixels changés d'inondations simulées et abaissait leur kappa (benchmarks/results/change_exclusion.md). Les pixels exclus sont écartés de toutes les statistiques qui fixent les classes, les seuils, le garde-fou et le repli (ils sont sans données pour la chaîne, y compris dans ses fenêtres) et sont écrits comme inchangés (0) ; ses zéros et ses pixels sans données ne sont pas exclus. Une couche de polygones : rastérisez-la d'abord sur cette grille (GDAL Rastériser, valeur 1). Le journal et la sortie &lt;i&gt;Pixels exclus&lt;/i&gt; donnent le nombre de pixels valides dans les deux images qui ont été exclus.&lt;/li&gt;&lt;/ul&gt;</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="127" />
            <source>Unsupervised change detection</source>
            <translation>Détection de changements non supervisée</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="144" />
            <source>Later image (image 2)</source>
            <translation>Image postérieure (image 2)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="147" />
            <source>Band of image 2</source>
            <translation>Bande de l'image 2</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="151" />
            <source>Default (robust): {name}</source>
            <translation>Par défaut (robuste) : {name}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="155" />
            <source>Difference image (methods other than the default)</source>
            <translation>Image de différence (méthodes autres que celle par défaut)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="163" />
            <source>Exclusion mask (optional; non-zero = excluded, written unchanged)</source>
            <translation>Masque d'exclusion (facultatif ; non nul = exclu, écrit inchangé)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="169" />
            <source>Changed fraction (0-1)</source>
            <translation>Fraction changée (0-1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="170" />
            <source>Separation (Ashman's D of the fitted classes)</source>
            <translation>Séparation (D d'Ashman des classes ajustées)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="172" />
            <source>Bimodality coefficient</source>
            <translation>Coefficient de bimodalité</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="173" />
            <source>Guard</source>
            <translation>Garde-fou</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="174" />
            <source>Excluded pixels</source>
            <translation>Pixels exclus</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="208" />
            <source>Image 1 and image 2 are the same layer '{a}' and band {b}: choose the earlier and the later date</source>
            <translation>Les images 1 et 2 sont la même couche '{a}' et la même bande {b} : choisissez la date antérieure et la date postérieure</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="215" />
            <source>Input layer '{b}' is not on the grid of '{a}' ({bx} x {by} vs {ax} x {ay} pixels or another geotransform): run sarchange:coregister first</source>
            <translation>La couche d'entrée '{b}' n'est pas sur la grille de '{a}' ({bx} x {by} contre {ax} x {ay} pixels ou autre géotransformation) : lancez d'abord sarchange:coregister</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="231" />
            <source>Exclusion mask '{m}' is not on the grid of '{a}' ({problem}): resample it onto that grid with nearest neighbour (e.g. GDAL Warp (reproject) with the image's CRS, extent and pixel size, or Align rasters); rasterise a polygon layer onto that grid (GDAL Rasterize, burn value 1)</source>
            <translation>Le masque d'exclusion '{m}' n'est pas sur la grille de '{a}' ({problem}) : rééchantillonnez-le sur cette grille au plus proche voisin (par ex. GDAL Projection (warp) avec le SCR, l'emprise et la taille de pixel de l'image, ou Aligner les rasters) ; rastérisez une couche de polygones sur cette grille (GDAL Rastériser, valeur 1)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="252" />
            <source>Chain: {name}</source>
            <translation>Chaîne : {name}</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="261" />
            <source>Input layer '{name}' holds zero or negative power: give linear power &gt; 0, set the correct input scale, mask those pixels as no data, or set a power floor &gt; 0 (e.g. 1 for 8-bit images)</source>
            <translation>La couche d'entrée '{name}' contient une puissance nulle ou négative : donnez une puissance linéaire &gt; 0, réglez la bonne échelle d'entrée, masquez ces pixels en non-données, ou fixez un plancher de puissance &gt; 0 (par ex. 1 pour des images 8 bits)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="275" />
            <source>The pre-classification found too few confident pixels of one class to train the classifier: {name} labelled the pair instead</source>
            <translation>La pré-classification a trouvé trop peu de pixels sûrs d'une classe pour entraîner le classifieur : {name} a étiqueté la paire à la place</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/unsupervised_change.py" line="285" />
            <source>Exclusion mask '{m}': {n} pixels excluded ({p:.2f} % of the pixels valid in both images), left out of every statistic of the chain and counted as unchanged</source>
            <translation>Masque d'exclusion '{m}' : {n} pixels exclus ({p:.2f} % des pixels valides dans les deux images), écartés de toutes les statistiques de la chaîne et comptés comme inchangés</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Boxcar (moving mean)</source>
            <translation>Boxcar (moyenne glissante)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Median</source>
            <translation>Médian</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Lee (1980/1981)</source>
            <translation>Lee (1980/1981)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Refined Lee (Lee 1981, 7x7 edge-aligned)</source>
            <translation>Lee raffiné (Lee 1981, 7x7 aligné sur les contours)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Improved Lee Sigma (Lee et al. 2009)</source>
            <translation>Lee Sigma amélioré (Lee et al. 2009)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Frost (1982)</source>
            <translation>Frost (1982)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Gamma-MAP (Lopes et al. 1990)</source>
            <translation>Gamma-MAP (Lopes et al. 1990)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Kuan (1985)</source>
            <translation>Kuan (1985)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Learned (MERLIN, ONNX)</source>
            <translation>Appris (MERLIN, ONNX)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Difference I2 - I1 (linear power)</source>
            <translation>Différence I2 - I1 (puissance linéaire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Ratio I2 / I1</source>
            <translation>Rapport I2 / I1</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Log ratio 10 log10(I2 / I1) (dB)</source>
            <translation>Log-rapport 10 log10(I2 / I1) (dB)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Mean ratio 1 - min(m1/m2, m2/m1) (Inglada &amp; Mercier 2007)</source>
            <translation>Rapport des moyennes 1 - min(m1/m2, m2/m1) (Inglada &amp; Mercier 2007)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Neighbourhood ratio, 1 - NR (Gong, Cao &amp; Wu 2012)</source>
            <translation>Rapport de voisinage, 1 - NR (Gong, Cao &amp; Wu 2012)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Euclidean norm of dB differences over all bands (Alatalo et al. 2023)</source>
            <translation>Norme euclidienne des différences en dB sur toutes les bandes (Alatalo et al. 2023)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Cumulant KL divergence of the log-intensity (Inglada &amp; Mercier 2007)</source>
            <translation>Divergence KL des cumulants de la log-intensité (Inglada &amp; Mercier 2007)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Otsu (1979)</source>
            <translation>Otsu (1979)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Kittler-Illingworth minimum error, Gaussian classes (1986)</source>
            <translation>Kittler-Illingworth à erreur minimale, classes gaussiennes (1986)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Generalized-Gaussian KI (Bazi, Bruzzone &amp; Melgani 2005)</source>
            <translation>KI gaussien généralisé (Bazi, Bruzzone &amp; Melgani 2005)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>SAR ratio-model KI (Moser &amp; Serpico 2006), log-ratio DI</source>
            <translation>KI à modèle de rapport SAR (Moser &amp; Serpico 2006), DI en log-rapport</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Manual threshold</source>
            <translation>Seuil manuel</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>LinearSVC (linear kernel)</source>
            <translation>LinearSVC (noyau linéaire)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>RBF SVC (Gaussian kernel)</source>
            <translation>SVC RBF (noyau gaussien)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Otsu threshold</source>
            <translation>Seuil d'Otsu</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Kittler-Illingworth threshold</source>
            <translation>Seuil de Kittler-Illingworth</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>2-class k-means</source>
            <translation>k-moyennes à 2 classes</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Area-based (Small 2011)</source>
            <translation>Par aires (Small 2011)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>Cosine ratio with projected-area factor (Ulander 1996, Kellndorfer et al. 1998)</source>
            <translation>Rapport des cosinus avec facteur d'aire projetée (Ulander 1996, Kellndorfer et al. 1998)</translation>
        </message>
        <message>
            <location filename="../processing/algorithms/core_labels.py" line="8" />
            <source>onnxruntime is needed to apply ONNX models: install it into the Python that runs QGIS (e.g. python -m pip install onnxruntime)</source>
            <translation>onnxruntime est nécessaire pour appliquer des modèles ONNX : installez-le dans le Python qui exécute QGIS (par ex. python -m pip install onnxruntime)</translation>
        </message>
    </context>
</TS>