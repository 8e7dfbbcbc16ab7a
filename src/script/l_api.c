/* l_api — the `lab` table scripts see: registration of every binding. */
#include "script/internal.h"

void lab_open_api(lua_State *L) {
    lab_open_world(L);
    lab_open_experiment(L);
    lab_open_markers(L);
    static const luaL_Reg api[] = {{"experiment", l_experiment}, {"world", l_world_new}, {"episode", l_episode_new},
                                   {"link", l_link}, {"ancestor", l_ancestor}, {"assoc_agrees", l_assoc_agrees},
                                   {"assoc_disagrees", l_assoc_disagrees}, {NULL, NULL}};
    luaL_newlib(L, api);
    lua_pushstring(L, "0.1.0");
    lua_setfield(L, -2, "version");
    lua_setglobal(L, "lab");
}
