package provider

import (
	"os"
	"runtime/debug"
	"testing"
)

// The provider's process collects at 400% unless the user set GOGC, whose
// value then stands.
func TestGarbageCollectorTargetOnlyWhenGOGCUnset(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	t.Setenv("GOGC", "")
	_ = os.Unsetenv("GOGC")
	CollectGarbageLessUnlessAsked()
	if got := debug.SetGCPercent(100); got != shortLivedGCPercent {
		t.Errorf("with GOGC unset, the collector's target is %d%%; want %d%%", got, shortLivedGCPercent)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // as the runtime does at start from GOGC
	CollectGarbageLessUnlessAsked()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("with GOGC=150, the collector's target is %d%%; want the user's 150%%", got)
	}
}
