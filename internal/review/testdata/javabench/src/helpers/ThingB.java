package org.tend.bench.helpers;

public class ThingB implements ThingInterface {

    @Override
    public String doSomething(String input) {
        StringBuilder buf = new StringBuilder(input);
        buf.append(" (from B)");
        return buf.toString();
    }
}
