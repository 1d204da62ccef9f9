/*
 * main.c - the vigil command: dispatches to one file per command group.
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
    fprintf(to, "usage: vigil <command> [options]\n\n"
                "commands:\n"
                "  backbone       import and run pretrained backbone networks\n"
                "  train          train an anomaly model on local images\n"
                "  evaluate       test a model on labelled local images\n"
                "  detect         run a model on image files\n"
                "  serve          run the Lookout for Vision API and S3 endpoint\n"
                "  kms            create, list, disable and enable the service's KMS keys\n"
                "  keys           manage the service's access keys and their policies\n"
                "  lookoutvision  the Lookout for Vision client (as aws lookoutvision)\n"
                "  edge-agent     serve model packages over the Edge Agent gRPC API\n"
                "  version        print the version\n\n"
                "Run 'vigil <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (!strcmp(command, "backbone"))
        return cmd_backbone(argc - 1, argv + 1);
    if (!strcmp(command, "train"))
        return cmd_train(argc - 1, argv + 1);
    if (!strcmp(command, "evaluate"))
        return cmd_evaluate(argc - 1, argv + 1);
    if (!strcmp(command, "detect"))
        return cmd_detect(argc - 1, argv + 1);
    if (!strcmp(command, "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(command, "kms"))
        return cmd_kms(argc - 1, argv + 1);
    if (!strcmp(command, "keys"))
        return cmd_keys(argc - 1, argv + 1);
    if (!strcmp(command, "lookoutvision"))
        return cmd_lookoutvision(argc - 1, argv + 1);
    if (!strcmp(command, "edge-agent"))
        return cmd_edge_agent(argc - 1, argv + 1);
    if (!strcmp(command, "version") || !strcmp(command, "--version")) {
        printf("vigil %s\n", VIGIL_VERSION);
        return 0;
    }
    if (!strcmp(command, "help") || !strcmp(command, "--help") || !strcmp(command, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "vigil: unknown command '%s'\n", command);
    usage(stderr);
    return 2;
}
