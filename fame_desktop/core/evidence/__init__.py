"""From a cosine to evidence (issue 18): calibration to likelihood ratios, image quality, facial
regions of the maps, the FISWG checklist and the examiner's signed conclusion. Qt-free.

    calibration       .famecal files: load and verify, LR bounded by ELUB, thresholds, plot data
    calibration_fit   fitting with lir (optional extra `calibration`), Cllr, Cllr_min, ELUB, EER
    pair_scoring      scoring pair lists for a calibration, resumable, failures recorded
    score_rates       FMR / FNMR / EER of score thresholds
    verbal_scale      the ENFSI verbal scale
    head_pose         yaw / pitch / roll from the five landmarks
    quality           image-quality measures and their flags
    face_regions      facial regions on the aligned crop and each map's share per region
    fiswg             the FISWG component checklist the examiner fills in
    conclusion        the examiner's conclusion, sign-off revisions and ACE-V verification
    evidence_facts    JSON-ready facts of all the above for the console and the report
"""
