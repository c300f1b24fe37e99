package remediate

// SetFault installs a fault called after each side effect and before it is
// recorded; returning Crash stops the run there, as a crash would.
func (e *Engine) SetFault(f func(runID, step string) error) { e.fault = f }

// Crash is the error a fault returns to simulate a crash.
var Crash = errCrash
