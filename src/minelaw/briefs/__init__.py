"""briefs"""
