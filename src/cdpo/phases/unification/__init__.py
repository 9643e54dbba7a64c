"""Phase 4: ID unification — its pipeline.yml section now; the generated project later (issue 7)."""
