package web

import "net/url"

// filterForm is the overview's insight filter form: the fields of
// GET /v1/insights, echoed back into the form.
type filterForm struct {
	Account, OU, Region, Status, Severity, Stack, Resource, Since, Type string
	Any                                                                 bool
}

func newFilterForm(q url.Values) filterForm {
	f := filterForm{Account: q.Get("account"), OU: q.Get("ou"), Region: q.Get("region"), Status: q.Get("status"),
		Severity: q.Get("severity"), Stack: q.Get("stack"), Resource: q.Get("resource"), Since: q.Get("since"), Type: q.Get("type")}
	f.Any = f != filterForm{}
	return f
}
