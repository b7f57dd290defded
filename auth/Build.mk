# auth/ - the authentication service (auth(8)).
PROGRAMS += auth
auth_SRCS := auth/auth.c auth/auth_req.c
auth_DEST := libexec
