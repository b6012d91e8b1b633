"""One module per view (page): read state → cached core calls → figures."""
