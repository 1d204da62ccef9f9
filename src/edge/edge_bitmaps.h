/*
 * edge_bitmaps.h - the pixels of a Bitmap message, inline or in a POSIX
 * shared memory segment, and the writing of a mask into the caller's
 * segment.  Shared memory is mapped only for the call, never copied.
 */
#ifndef VIGIL_EDGE_BITMAPS_H
#define VIGIL_EDGE_BITMAPS_H

#include "edge-agent.pb.h"
#include "edge_models.h"

#include <cstddef>
#include <cstdint>

namespace vigil_edge {

// The bytes [offset, offset + size) of a shared memory segment, mapped.
class SharedMemory {
  public:
    SharedMemory() = default;
    SharedMemory(const SharedMemory &) = delete;
    SharedMemory &operator=(const SharedMemory &) = delete;
    ~SharedMemory();
    Outcome map(const AWS::LookoutVision::SharedMemoryHandle &handle, bool writable);
    uint8_t *data() const { return base_ ? base_ + offset_ : nullptr; }
    size_t size() const { return size_; }

  private:
    uint8_t *base_ = nullptr;
    size_t mapped_ = 0, offset_ = 0, size_ = 0;
};

// The width x height x 3 RGB bytes of bitmap, which must be of the model's
// size; *pixels points into bitmap or into shm.
Outcome bitmap_pixels(const AWS::LookoutVision::Bitmap &bitmap, int width, int height,
                      SharedMemory *shm, const uint8_t **pixels);

} // namespace vigil_edge

#endif
