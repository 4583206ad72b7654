"""The public results release: drafted by a press officer, approved by a coordinator, published at the embargo."""
