package cli

// dash renders an empty table cell as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
