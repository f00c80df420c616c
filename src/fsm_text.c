/*
 * fsm_text.c - names and texts of the state machine's states, reasons,
 * drops and errors, for logs, status and the hooks' environment.
 */
#include "fsm.h"

const char *fsm_state_name(enum fsm_state st)
{
	static const char *const names[FSM_STATE_COUNT] = {
		[FSM_INIT] = "INIT",   [FSM_BACKUP] = "BACKUP",	    [FSM_MASTER] = "MASTER",
		[FSM_FAULT] = "FAULT", [FSM_STOPPING] = "STOPPING", [FSM_STOPPED] = "STOPPED",
	};

	return (unsigned)st < FSM_STATE_COUNT ? names[st] : "?";
}

const char *fsm_reason_text(enum fsm_reason r)
{
	static const char *const text[FSM_R_COUNT] = {
		[FSM_R_NONE] = "none",
		[FSM_R_START] = "started",
		[FSM_R_LISTEN_DONE] = "listened for the dead interval",
		[FSM_R_PEER_MASTER] = "peer is master",
		[FSM_R_PEER_TIMEOUT] = "peer timed out",
		[FSM_R_PEER_RESIGNED] = "peer resigned",
		[FSM_R_PEER_UNAVAILABLE] = "peer in fault or standby",
		[FSM_R_ELECTION_WON] = "no master, this node ranks higher",
		[FSM_R_CONTENTION_WON] = "two masters, this node ranks higher",
		[FSM_R_CONTENTION_LOST] = "two masters, peer ranks higher",
		[FSM_R_PREEMPT] = "handed over at the peer's request",
		[FSM_R_STALLED] = "own timers stalled",
		[FSM_R_FAULT] = "health check failed",
		[FSM_R_HEALTHY] = "health restored",
		[FSM_R_SWITCHOVER] = "switchover requested",
		[FSM_R_STANDBY] = "standby requested",
		[FSM_R_SHUTDOWN] = "shutdown",
		[FSM_R_SYNC_MASTER] = "sync set leader is master",
		[FSM_R_SYNC_BACKUP] = "sync set leader left master",
		[FSM_R_UPSTREAM] = "upstream targets unreachable",
		[FSM_R_UPSTREAM_OK] = "upstream targets reachable again",
		[FSM_R_VIP_IN_USE] = "another host answers for the VIP",
		[FSM_R_PRIORITY] = "priority lowered by a failing check",
		[FSM_R_RECHECK] = "checking again whether the VIP is free",
		[FSM_R_NO_INTERFACE] = "interface missing",
		[FSM_R_NAME_CONFLICT] = "another node uses this node's name",
		[FSM_R_FENCE_FAILED] = "fencing the peer failed",
	};

	return (unsigned)r < FSM_R_COUNT ? text[r] : "?";
}

const char *fsm_drop_key(enum fsm_drop d)
{
	static const char *const keys[FSM_DROP_COUNT] = {
		[FSM_DROP_NONE] = "none",	   [FSM_DROP_OWN] = "own",
		[FSM_DROP_NAME] = "name_conflict", [FSM_DROP_REPLAY] = "replay",
		[FSM_DROP_STALE] = "stale",	   [FSM_DROP_FOREIGN] = "foreign",
		[FSM_DROP_HELLO] = "hello",
	};

	return (unsigned)d < FSM_DROP_COUNT ? keys[d] : "?";
}

const char *fsm_strerror(int err)
{
	switch (err) {
	case FSM_OK:
		return "success";
	case FSM_E_NOT_MASTER:
		return "no master to take over from";
	case FSM_E_PEER_UNHEALTHY:
		return "peer is not fit to take over (use --force to override)";
	case FSM_E_STATE:
		return "not possible in the current state";
	case FSM_E_FOLLOWER:
		return "the group follows its sync set's leader: ask the leader";
	default:
		return "unknown error";
	}
}
