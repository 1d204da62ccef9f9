/* commands.h - entry points of the vigil command groups, one file each. */
#ifndef VIGIL_COMMANDS_H
#define VIGIL_COMMANDS_H

#define VIGIL_VERSION "0.1.0"

/* argv[0] is the group's name; each returns the process exit code. */
int cmd_backbone(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_kms(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_lookoutvision(int argc, char **argv);
/* src/edge/edge_agent.cc (C++) */
int cmd_edge_agent(int argc, char **argv);

#endif
