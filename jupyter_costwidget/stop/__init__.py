"""stop"""
