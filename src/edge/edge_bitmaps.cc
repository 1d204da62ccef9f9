/*
 * edge_bitmaps.cc - Bitmap pixels and shared memory (edge_bitmaps.h).
 * mmap wants a page-aligned offset, so the mapping starts at the page that
 * holds the caller's buffer.  MAP_POPULATE maps every page in one call
 * instead of one page fault per 4 KB as the engine reads the bitmap or
 * paints the mask (hundreds a call at 576x768).
 */
#include "edge_bitmaps.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil_edge {

SharedMemory::~SharedMemory()
{
    if (base_)
        munmap(base_, mapped_);
}

Outcome SharedMemory::map(const AWS::LookoutVision::SharedMemoryHandle &handle, bool writable)
{
    const std::string &name = handle.name();
    if (name.empty())
        return {Code::INVALID_ARGUMENT, "shared_memory_handle.name is required."};
    int fd = shm_open(name.c_str(), writable ? O_RDWR : O_RDONLY, 0);
    if (fd < 0)
        return {Code::INVALID_ARGUMENT,
                "cannot open the shared memory " + name + ": " + std::strerror(errno)};
    struct stat st;
    uint64_t end = handle.offset() + handle.size();
    Outcome outcome;
    if (fstat(fd, &st) != 0 || end < handle.offset() || end > static_cast<uint64_t>(st.st_size))
        outcome = {Code::INVALID_ARGUMENT,
                   "offset " + std::to_string(handle.offset()) + " and size " +
                       std::to_string(handle.size()) + " go past the end of the shared memory " +
                       name + " (" + std::to_string(st.st_size) + " bytes)."};
    else if (handle.size() > 0) {
        uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
        uint64_t start = handle.offset() / page * page;
        void *p = mmap(nullptr, end - start, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                       MAP_SHARED | MAP_POPULATE, fd, static_cast<off_t>(start));
        if (p == MAP_FAILED)
            outcome = {Code::INTERNAL, "cannot map the shared memory " + name + ": " +
                                           std::strerror(errno)};
        else {
            base_ = static_cast<uint8_t *>(p);
            mapped_ = end - start;
            offset_ = handle.offset() - start;
            size_ = handle.size();
        }
    }
    close(fd);
    return outcome;
}

Outcome bitmap_pixels(const AWS::LookoutVision::Bitmap &bitmap, int width, int height,
                      SharedMemory *shm, const uint8_t **pixels)
{
    if (bitmap.width() != width || bitmap.height() != height)
        return {Code::INVALID_ARGUMENT,
                "The bitmap is " + std::to_string(bitmap.width()) + "x" +
                    std::to_string(bitmap.height()) + " but the model takes " +
                    std::to_string(width) + "x" + std::to_string(height) + " RGB888 bitmaps."};
    size_t expected = static_cast<size_t>(width) * height * 3;
    size_t size = 0;
    if (bitmap.has_shared_memory_handle()) {
        Outcome outcome = shm->map(bitmap.shared_memory_handle(), false);
        if (outcome.code != Code::OK)
            return outcome;
        *pixels = shm->data();
        size = shm->size();
    } else if (bitmap.data_case() == AWS::LookoutVision::Bitmap::kByteData) {
        *pixels = reinterpret_cast<const uint8_t *>(bitmap.byte_data().data());
        size = bitmap.byte_data().size();
    } else {
        return {Code::INVALID_ARGUMENT, "The bitmap has neither byte_data nor"
                                        " shared_memory_handle."};
    }
    if (size != expected)
        return {Code::INVALID_ARGUMENT, "The bitmap holds " + std::to_string(size) +
                                            " bytes; " + std::to_string(width) + "x" +
                                            std::to_string(height) + " RGB888 is " +
                                            std::to_string(expected) + "."};
    return {};
}

} // namespace vigil_edge
