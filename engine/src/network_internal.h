/*
 * network_internal.h - what the engine's own modules need of a network
 * beyond the public API: building one from a model file that also holds
 * other things (a trained model embeds its backbone), and its graph.
 */
#ifndef VGL_NETWORK_INTERNAL_H
#define VGL_NETWORK_INTERNAL_H

#include "graph.h"

/* With owns_file, the network closes the file when freed (also on failure). */
vgl_status vgl_network_from_file(vgl_modelfile *file, int owns_file, vgl_network **out,
                                 vgl_error *err);
const vgl_graph *vgl_network_graph(const vgl_network *network);

#endif
