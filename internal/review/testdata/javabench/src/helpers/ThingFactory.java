package org.tend.bench.helpers;

public class ThingFactory {

    public static ThingInterface createThing() {
        String kind = System.getProperty("tend.thing", "A");
        if ("B".equals(kind)) {
            return new ThingB();
        }
        return new ThingA();
    }
}
